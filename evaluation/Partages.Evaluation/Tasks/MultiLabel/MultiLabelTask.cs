using Partages.Evaluation.Results;

namespace Partages.Evaluation.Tasks.MultiLabel;

/// <summary>
/// <c>multi_label_classification</c>: any number of gold labels per document (none included), each logit through a
/// sigmoid and the manifest's threshold. Its sufficient statistics are per-label one-vs-rest counts, the exact matches
/// and the label co-occurrence (<see cref="MultiLabelStatistics"/>, <see cref="MultiLabelResults"/>); released by
/// <see cref="MultiLabelRelease"/>.
/// </summary>
public sealed class MultiLabelTask : TaskType
{
    public const string TaskName = "multi_label_classification";

    public override string Name => TaskName;

    public override bool SupportsRobustness => true;

    public override bool MatrixCountsLabelPairs => true;

    public override void CheckSections(ResultDocument document, IReadOnlyList<string> labels, bool noisy)
    {
        if (noisy)
        {
            _ = PrivateMultiLabelResults.Read(document, labels);
        }
        else
        {
            _ = MultiLabelResults.Read(document, labels);
        }
    }

    public override PooledSections Pool(IReadOnlyList<string> labels, IReadOnlyList<KeyValuePair<string, ResultDocument>> sites)
    {
        var pooled = MultiLabelResults.Pool(Name, labels, [.. sites.Select(s => s.Value)]);
        if (sites.Any(s => s.Value.Release?.DifferentialPrivacy is not null))
        {
            // Noisy counts pool by addition, with their noise variances; the meta-analysis assumes exact counts.
            return new PooledSections(pooled, null, [new OmittedSection("heterogeneity", PrivateMultiLabelResults.HeterogeneityOmitted)]);
        }

        // Per-label counts over documents: each document adds one to one cell of each label, so a site's per-label
        // F1 has the same delta-method variance as a class's in single-label results.
        return new PooledSections(pooled, HeterogeneityAnalysis.Compute(labels, sites, histograms: null, HeterogeneityAnalysis.PerClassCounts), []);
    }

    public override ResultDocument MergeSegments(IReadOnlyList<string> labels, IReadOnlyList<ResultDocument> segments) =>
        MultiLabelResults.Pool(Name, labels, segments);

    public override ResultDocument ReleaseExact(ResultDocument result) => MultiLabelRelease.Apply(result);

    public override ResultDocument ReleasePrivate(ResultDocument result, PrivateRelease release) => MultiLabelRelease.ApplyPrivate(result, release);
}
