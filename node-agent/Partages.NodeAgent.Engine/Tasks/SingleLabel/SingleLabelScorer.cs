using Partages.Evaluation;

namespace Partages.NodeAgent.Engine.Tasks.SingleLabel;

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
        Histograms = new OneVsRestHistograms(counts.Labels, HistogramGrid.Exact);
    }

    public ClassificationCounts Counts { get; }

    /// <summary>Class probabilities per bin of the exact releases' grid (the logit grid), in the spec's label order.</summary>
    public OneVsRestHistograms Histograms { get; }

    public CalibrationStatistics Calibration { get; } = new();

    public override long DocumentsScored => Counts.DocumentCount;

    public override bool ToProbabilities(ReadOnlySpan<float> logits, Span<double> probabilities) =>
        ClassProbabilities.Softmax(logits, probabilities);

    public override ResultDocument ToResult(string task, InputSummary summary) =>
        ResultDocument.FromStatistics(task, Counts, Histograms, Calibration, summary);

    public override void Add(DocumentScore document)
    {
        var probabilities = document.Probabilities();
        var predictedInManifest = Maxima.ArgMax<double>(probabilities);
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
