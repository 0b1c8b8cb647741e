using Partages.Evaluation.Results;

namespace Partages.Evaluation.Tasks.EntityRecognition;

/// <summary>
/// <c>token_classification</c>: named-entity recognition. The model tags every word piece (logits
/// <c>[batch, sequence, tags]</c>); the manifest's labels are its IOB2 tags, the spec's labels the entity types
/// (docs/ner.md). Its sufficient statistics are nervaluate's schemes, seqeval's counts and the boundary matrix
/// (<see cref="NerResults"/>); released by <see cref="EntityRecognitionRelease"/>.
/// </summary>
public sealed class EntityRecognitionTask : TaskType
{
    public const string TaskName = "token_classification";

    public override string Name => TaskName;

    public override bool SupportsRobustness => true;

    /// <summary>An entity extractor may look for a single entity type.</summary>
    public override int MinimumLabels => 1;

    public override string TooFewLabels => "an entity recognition needs at least one entity type";

    public override bool MatchesEntities => true;

    public override bool CountsEntities => true;

    /// <summary>
    /// EDS-NLP's entity metrics (docs/ner.md, "EDS-NLP metrics") and the attribute, normalisation and fragment metrics
    /// (docs/ner.md, "Attributes, codes and fragments"), counted only when a spec asks for them.
    /// </summary>
    public override IReadOnlyList<string> ExtraMetrics { get; } = [.. EdsNlpMetrics.All, .. QualifierMetrics.All];

    public override void CheckSections(ResultDocument document, IReadOnlyList<string> labels, bool noisy)
    {
        if (noisy)
        {
            // Reads the outcomes back from the schemes and checks every identity with the boundary matrix.
            _ = PrivateNerResults.Read(document, labels);
            return;
        }

        _ = NerResults.ReadSeqeval(document, labels);
        if (document.Schemes is not null)
        {
            _ = NerResults.ReadSchemes(document, labels);
        }

        _ = NerByType.Read(document, labels, requireCounts: true);
        if (document.EdsNlp is { } eds)
        {
            _ = EdsNlpResults.Read(eds, labels, requireCounts: true);
        }

        if (document.SpanQualifiers is { } qualifiers)
        {
            _ = QualifierResults.Read(qualifiers, labels, requireCounts: true);
        }
    }

    public override PooledSections Pool(IReadOnlyList<string> labels, IReadOnlyList<KeyValuePair<string, ResultDocument>> sites)
    {
        // Entity recognition pools its own counts (schemes, seqeval); it has no score histograms to meta-analyse.
        var omitted = new List<OmittedSection>();
        var pooled = NerResults.Pool(Name, labels, [.. sites.Select(s => s.Value)], omitted);
        omitted.Add(new OmittedSection("heterogeneity", NerResults.HeterogeneityOmitted));
        return new PooledSections(pooled, null, omitted);
    }

    public override ResultDocument MergeSegments(IReadOnlyList<string> labels, IReadOnlyList<ResultDocument> segments) =>
        NerResults.Pool(Name, labels, segments);

    public override ResultDocument ReleaseExact(ResultDocument result) => EntityRecognitionRelease.Apply(result);

    public override ResultDocument ReleasePrivate(ResultDocument result, PrivateRelease release) => EntityRecognitionRelease.ApplyPrivate(result, release);
}
