namespace Partages.NodeAgent.Engine.Scoring;

/// <summary>
/// What a task does with scores: how a window's logits become probabilities, and how a complete document's
/// probabilities become a prediction added to the task's sufficient statistics. Called from the scoring task only.
/// </summary>
internal abstract class TaskScorer
{
    public abstract long DocumentsScored { get; }

    /// <summary>Local mode only: receives every document's prediction. Null on every run a coordinator asked for.</summary>
    public IPredictionSink? Predictions { get; init; }

    /// <summary>The spec's labels, for the names in <see cref="Predictions"/>.</summary>
    public required IReadOnlyList<string> Labels { get; init; }

    /// <returns>False when the logits give no probabilities.</returns>
    public abstract bool ToProbabilities(ReadOnlySpan<float> logits, Span<double> probabilities);

    /// <summary>Adds a complete, valid document.</summary>
    public abstract void Add(DocumentScore document);

    /// <summary>The task's result from the statistics so far (at the end, or at a checkpoint).</summary>
    public abstract ResultDocument ToResult(string task, InputSummary summary);
}
