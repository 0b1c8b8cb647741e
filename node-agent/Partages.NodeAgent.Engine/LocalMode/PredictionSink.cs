namespace Partages.NodeAgent.Engine.LocalMode;

/// <summary>
/// One document's gold labels, predicted labels and class probabilities (label names, the spec's order), for local
/// mode's <c>--predictions-out</c> file. Per-document data: it exists only here, is handed only to an
/// <see cref="IPredictionSink"/>, and no type the release gate accepts can hold it.
/// </summary>
public sealed record DocumentPrediction(string Id, IReadOnlyList<string> Gold, IReadOnlyList<string> Predicted, IReadOnlyList<KeyValuePair<string, double>> Scores);

/// <summary>
/// Receives every scored document of a local-mode run (<see cref="EvaluationEngine.EvaluateLocallyAsync"/>). Not part
/// of <see cref="IEvaluationEngine"/>, which the agent's job runner uses: a run the coordinator asked for has no way
/// to attach one. Called from the scoring task only, one document at a time.
/// </summary>
public interface IPredictionSink
{
    void Write(DocumentPrediction prediction);
}
