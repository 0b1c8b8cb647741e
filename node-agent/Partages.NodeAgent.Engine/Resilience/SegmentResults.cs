using Partages.Evaluation.Bundles;
using Partages.Evaluation.Metrics;
using Partages.Evaluation.Results;

namespace Partages.NodeAgent.Engine.Resilience;

/// <summary>
/// Adds up the results of a run's segments (one per inference worker, when a worker died and another resumed after
/// its last checkpoint). Segments count disjoint documents and lines, and every statistic the engine releases is a
/// sum over documents, so the sum of the segments' statistics is the run's — the same code that pools sites.
/// </summary>
public static class SegmentResults
{
    /// <param name="labels">The spec's labels (entity types for entity recognition), in its order.</param>
    /// <exception cref="InvalidDataException">A segment's sections are malformed (a worker wrote something other than the engine's result).</exception>
    public static ResultDocument Merge(string task, IReadOnlyList<string> labels, IReadOnlyList<ResultDocument> segments)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(segments);
        ArgumentOutOfRangeException.ThrowIfZero(segments.Count);
        if (segments.Count == 1)
        {
            // Nothing to add: the very document the engine built, byte for byte.
            return segments[0];
        }

        if (task == TaskTypes.TokenClassification)
        {
            return NerResults.Pool(task, labels, segments);
        }

        if (task == TaskTypes.MultiLabelClassification)
        {
            return MultiLabelResults.Pool(task, labels, segments);
        }

        var histograms = segments.All(s => s.ScoreHistograms is not null) ? segments.Select(s => s.ToHistograms()!).ToList() : null;
        var calibration = segments.All(s => s.Calibration is not null) ? segments.Select(s => s.ToCalibration()!).ToList() : null;
        return ResultDocument.FromStatistics(
            task,
            ClassificationCounts.Pool(labels, segments.Select(s => s.ToCounts())),
            histograms is null ? null : OneVsRestHistograms.Merge(labels, histograms),
            calibration is null ? null : CalibrationStatistics.Merge(calibration),
            InputSummary.Sum(segments.Select(s => s.InputSummary)));
    }
}
