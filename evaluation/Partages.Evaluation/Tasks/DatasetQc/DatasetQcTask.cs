using Partages.Evaluation.Results;

namespace Partages.Evaluation.Tasks.DatasetQc;

/// <summary>
/// <c>dataset_qc</c>: the quality profile of each site's dataset, and the agreement between its annotators, released
/// through the same gate and privacy mechanism as every result (docs/data-quality.md, "Federated QC"). No model
/// runs: an evaluation of this task is submitted without a bundle and the node reads its dataset only
/// (<see cref="TaskType.UsesModel"/>), or with one whose tokenizer only is used (<see cref="TaskType.ModelOptional"/>); it is still offered, policy-checked, approved, audited and charged to the
/// dataset's privacy budget like any other run. The spec's labels are the categories whose distribution is
/// released (document labels, or entity types with <c>annotation: entities</c>); <c>annotators</c> names two or
/// more fields whose agreement is measured.
/// </summary>
public sealed class DatasetQcTask : TaskType
{
    public const string TaskName = "dataset_qc";

    public override string Name => TaskName;

    public override int MinimumLabels => 1;

    public override string TooFewLabels => "a dataset QC needs at least one label (or entity type) whose distribution it releases";

    public override bool UsesModel => false;

    /// <summary>A bundle may be given: its tokenizer adds lengths in pieces, the share longer than its window and the unknown-piece rate.</summary>
    public override bool ModelOptional => true;

    public override bool ProfilesDataset => true;

    /// <summary>No model, so no confusion matrix: its labels are empty; the spec's labels are the section's categories.</summary>
    public override IReadOnlyList<string>? MatrixLabels(IReadOnlyList<string> labels) => [];

    public override void CheckSections(ResultDocument document, IReadOnlyList<string> labels, bool noisy) =>
        _ = DatasetQcResults.Read(document, labels, noisy);

    public override PooledSections Pool(IReadOnlyList<string> labels, IReadOnlyList<KeyValuePair<string, ResultDocument>> sites)
    {
        var pooled = Sum(labels, [.. sites.Select(s => s.Value)]);
        var omitted = sites.Any(s => s.Value.DatasetQc?.Agreement?.CohenTable is not null)
            ? [new OmittedSection("dataset_qc.agreement.cohen_table", "Cohen's kappa is a per-site figure: which annotator is 'first' differs by site; the pooled agreement is Krippendorff's alpha (ERRATA 17)")]
            : new List<OmittedSection>();
        if (pooled.DatasetQc?.Pieces is null && sites.Any(s => s.Value.DatasetQc?.Pieces is not null))
        {
            omitted.Add(new OmittedSection("dataset_qc.pieces", "not every site released piece counts with the same window, so they do not add up"));
        }

        return new PooledSections(pooled, null, omitted);
    }

    public override ResultDocument MergeSegments(IReadOnlyList<string> labels, IReadOnlyList<ResultDocument> segments) => Sum(labels, segments);

    public override ResultDocument ReleaseExact(ResultDocument result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return DatasetQcRelease.Apply(result, LabelsOf(result));
    }

    public override ResultDocument ReleasePrivate(ResultDocument result, PrivateRelease release)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(release);
        return DatasetQcRelease.ApplyPrivate(result, LabelsOf(result), release);
    }

    /// <summary>The spec's labels, read off the section's categories (the release gate has the result, not the spec).</summary>
    private static List<string> LabelsOf(ResultDocument result)
    {
        var section = result.DatasetQc ?? throw new ReleaseRefusedException("the dataset_qc result has no dataset_qc section, so it is not released");
        var extra = section.Annotation == DatasetQcAnnotation.Entities ? 1 : 2;
        return section.Categories is { } categories && categories.Count > extra ? [.. categories.Take(categories.Count - extra)] : [];
    }

    private ResultDocument Sum(IReadOnlyList<string> labels, IReadOnlyList<ResultDocument> sites)
    {
        var noisy = sites.Any(s => s.Release?.DifferentialPrivacy is not null);
        var sections = sites.Select(s => DatasetQcResults.Read(s, labels, noisy)).ToList();
        var release = noisy
            ? new ReleaseSection { DifferentialPrivacy = DifferentialPrivacyRelease.Pool(sites.Select(s => s.Release?.DifferentialPrivacy)) }
            : sites.All(s => s.Release is not null) ? new ReleaseSection() : null;
        return DatasetQcResults.Build(Name, sites.Sum(s => s.NDocuments), DatasetQcResults.Sum(sections), release);
    }
}
