namespace Partages.NodeAgent.Engine.LocalMode;

/// <summary>
/// One document's gold labels, predicted labels and class probabilities (label names, the spec's order), for local
/// mode's <c>--predictions-out</c> file. Per-document data: it exists only here, is handed only to an
/// <see cref="IPredictionSink"/>, and no type the release gate accepts can hold it.
/// </summary>
public sealed record DocumentPrediction(string Id, IReadOnlyList<string> Gold, IReadOnlyList<string> Predicted, IReadOnlyList<KeyValuePair<string, double>> Scores);

/// <summary>One entity of <see cref="EntityPrediction"/>: <c>[Start, End)</c> in Unicode code points, as the datasets count them.</summary>
public readonly record struct PredictedSpan(int Start, int End, string Label);

/// <summary>
/// One document's gold and predicted entities for local mode's <c>--predictions-out</c> file (entity recognition), in
/// text order. Per-document data, like <see cref="DocumentPrediction"/>: only an <see cref="IPredictionSink"/> sees it.
/// </summary>
public sealed record EntityPrediction(string Id, IReadOnlyList<PredictedSpan> Gold, IReadOnlyList<PredictedSpan> Predicted);

/// <summary>
/// One generative extraction document for local mode's <c>--predictions-out</c> file: gold and read values per field
/// (<c>invalid_output</c> when the output was invalid), the generated text exactly as written (after the output
/// prefix), how generation ended and whether the report was truncated. Only an <see cref="IPredictionSink"/> sees it.
/// </summary>
public sealed record GenerationPrediction(
    string Id,
    IReadOnlyList<KeyValuePair<string, string>> Gold,
    IReadOnlyList<KeyValuePair<string, string>> Predicted,
    string Output,
    string Outcome,
    bool Truncated);

/// <summary>
/// Receives every scored document of a local-mode run (<see cref="EvaluationEngine.EvaluateLocallyAsync"/>). Not part
/// of <see cref="IEvaluationEngine"/>, which the agent's job runner uses: a run the coordinator asked for has no way
/// to attach one. Called from the scoring task only, one document at a time.
/// </summary>
public interface IPredictionSink
{
    void Write(DocumentPrediction prediction);

    /// <summary>
    /// One entity recognition document. A default that refuses, so a sink written for classification only (tests
    /// that collect scores) says so if handed entities instead of dropping them.
    /// </summary>
    void Write(EntityPrediction prediction) =>
        throw new NotSupportedException($"{GetType().Name} does not record entity predictions.");

    /// <summary>One generative extraction document; a default that refuses, as for entities.</summary>
    void Write(GenerationPrediction prediction) =>
        throw new NotSupportedException($"{GetType().Name} does not record generated outputs.");
}
