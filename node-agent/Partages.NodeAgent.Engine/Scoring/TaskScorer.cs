using Partages.Evaluation.Metrics;
using Partages.NodeAgent.Engine.LocalMode;
using Partages.NodeAgent.Engine.Metrics;

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
}

/// <summary>
/// Softmax, argmax, one confusion-matrix cell per document; and, from the same probabilities, the one-vs-rest score
/// histograms (AUROC, AUPRC) and the calibration sums (ECE, Brier).
/// </summary>
internal sealed class SingleLabelScorer : TaskScorer
{
    private readonly int[] _manifestToSpec;
    private readonly int[] _specToManifest;
    private readonly double[] _specOrder;

    public SingleLabelScorer(ClassificationCounts counts, int[] manifestToSpec)
    {
        Counts = counts;
        _manifestToSpec = manifestToSpec;
        _specToManifest = new int[manifestToSpec.Length];
        for (var m = 0; m < manifestToSpec.Length; m++)
        {
            _specToManifest[manifestToSpec[m]] = m;
        }

        _specOrder = new double[manifestToSpec.Length];
        Histograms = new OneVsRestHistograms(counts.Labels);
    }

    public ClassificationCounts Counts { get; }

    /// <summary>Class probabilities per grid bin, in the spec's label order.</summary>
    public OneVsRestHistograms Histograms { get; }

    public CalibrationStatistics Calibration { get; } = new();

    public override long DocumentsScored => Counts.DocumentCount;

    public override bool ToProbabilities(ReadOnlySpan<float> logits, Span<double> probabilities) =>
        ClassProbabilities.Softmax(logits, probabilities);

    public override void Add(DocumentScore document)
    {
        var probabilities = document.Probabilities();
        var predictedInManifest = ClassProbabilities.ArgMax(probabilities);
        var predicted = _manifestToSpec[predictedInManifest];
        for (var m = 0; m < probabilities.Length; m++)
        {
            _specOrder[_manifestToSpec[m]] = probabilities[m];
        }

        // Both are binned before the matrix changes, so a NaN (refused by both) leaves every statistic as it was.
        Histograms.Add(document.GoldLabel, _specOrder);
        // Calibration takes its own argmax: given the manifest's order, it picks the same class on ties as the matrix.
        Calibration.Add(_specToManifest[document.GoldLabel], probabilities);
        Counts.Add(document.GoldLabel, predicted);
        if (Predictions is not null && document.Id is { } id)
        {
            Predictions.Write(new DocumentPrediction(
                id,
                [Labels[document.GoldLabel]],
                [Labels[predicted]],
                [.. Labels.Select((label, c) => new KeyValuePair<string, double>(label, _specOrder[c]))]));
        }
    }
}

/// <summary>Sigmoid per label, a label predicted at or above the threshold, one-vs-rest counts per label.</summary>
internal sealed class MultiLabelScorer(MultiLabelCounts counts, int[] manifestToSpec, double threshold) : TaskScorer
{
    public MultiLabelCounts Counts => counts;

    public double Threshold => threshold;

    public override long DocumentsScored => counts.DocumentCount;

    public override bool ToProbabilities(ReadOnlySpan<float> logits, Span<double> probabilities) =>
        ClassProbabilities.Sigmoid(logits, probabilities);

    public override void Add(DocumentScore document)
    {
        var probabilities = document.Probabilities();
        var predicted = new bool[probabilities.Length];
        for (var c = 0; c < probabilities.Length; c++)
        {
            predicted[manifestToSpec[c]] = probabilities[c] >= threshold;
        }

        var gold = new bool[probabilities.Length];
        foreach (var label in document.GoldLabels ?? [])
        {
            gold[label] = true;
        }

        counts.Add(gold, predicted);
        if (Predictions is not null && document.Id is { } id)
        {
            var scores = new double[probabilities.Length];
            for (var c = 0; c < probabilities.Length; c++)
            {
                scores[manifestToSpec[c]] = probabilities[c];
            }

            Predictions.Write(new DocumentPrediction(
                id,
                [.. Labels.Where((_, c) => gold[c])],
                [.. Labels.Where((_, c) => predicted[c])],
                [.. Labels.Select((label, c) => new KeyValuePair<string, double>(label, scores[c]))]));
        }
    }
}
