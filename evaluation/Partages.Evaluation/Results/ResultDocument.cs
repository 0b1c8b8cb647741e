using Partages.Evaluation.Metrics;

namespace Partages.Evaluation.Results;

/// <summary>
/// One site's results: the payload a node releases, and what local mode prints. Aggregates only —
/// the type has no place for a document, an id or a per-document prediction. Schema: docs/results-schema.md.
/// </summary>
public sealed record ResultDocument
{
    public const string CurrentSchema = "partages.results/v1";

    public string Schema { get; init; } = CurrentSchema;
    public required string Task { get; init; }
    public required long NDocuments { get; init; }
    public required ConfusionMatrixDto ConfusionMatrix { get; init; }
    public required IReadOnlyDictionary<string, ClassMetrics> PerClass { get; init; }
    public required AveragedMetrics Micro { get; init; }
    public required AveragedMetrics Macro { get; init; }
    public required AveragedMetrics Weighted { get; init; }
    public required double Accuracy { get; init; }
    public required InputSummary InputSummary { get; init; }

    /// <summary>Builds the document from the sufficient statistics, deriving every metric from them.</summary>
    public static ResultDocument FromCounts(string task, ClassificationCounts counts, InputSummary inputSummary)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var report = ClassificationMetrics.Compute(counts);
        return new ResultDocument
        {
            Task = task,
            NDocuments = counts.DocumentCount,
            ConfusionMatrix = new ConfusionMatrixDto(counts.Labels, counts.ToMatrix()),
            PerClass = report.PerClass,
            Micro = report.Micro,
            Macro = report.Macro,
            Weighted = report.Weighted,
            Accuracy = report.Accuracy,
            InputSummary = inputSummary,
        };
    }

    public ClassificationCounts ToCounts() =>
        ClassificationCounts.FromMatrix(ConfusionMatrix.Labels, [.. ConfusionMatrix.Matrix.Select(row => (IReadOnlyList<long>)row)]);
}

/// <summary>Rows are gold labels, columns predicted labels, both in <see cref="Labels"/> order.</summary>
public sealed record ConfusionMatrixDto(IReadOnlyList<string> Labels, long[][] Matrix);

/// <summary>
/// What the node read and what it had to set aside, by kind — counts only, so nothing is dropped silently.
/// Kinds are snake_case words such as <c>malformed_json</c>, <c>invalid_utf8</c>, <c>empty_text</c>, <c>unknown_label</c>.
/// </summary>
public sealed record InputSummary
{
    public long DocumentsRead { get; init; }
    public long DocumentsEvaluated { get; init; }
    public IReadOnlyDictionary<string, long> Skipped { get; init; } = new Dictionary<string, long>();

    public static InputSummary Sum(IEnumerable<InputSummary> summaries)
    {
        long read = 0, evaluated = 0;
        var skipped = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var s in summaries)
        {
            read += s.DocumentsRead;
            evaluated += s.DocumentsEvaluated;
            foreach (var (kind, count) in s.Skipped)
            {
                skipped[kind] = skipped.GetValueOrDefault(kind) + count;
            }
        }

        return new InputSummary { DocumentsRead = read, DocumentsEvaluated = evaluated, Skipped = skipped };
    }
}

/// <summary>The coordinator's result of a whole evaluation: pooled over the included sites, and each site.</summary>
public sealed record PooledResultDocument
{
    public const string CurrentSchema = "partages.pooled-results/v1";

    public string Schema { get; init; } = CurrentSchema;
    public required string Task { get; init; }
    public required ResultDocument? Pooled { get; init; }
    public required IReadOnlyDictionary<string, ResultDocument> PerSite { get; init; }
    public required IReadOnlyList<string> IncludedSites { get; init; }
    public required IReadOnlyList<MissingSite> MissingSites { get; init; }

    /// <summary>Pools the sites' confusion matrices (exact) and derives the pooled metrics from the sum.</summary>
    public static PooledResultDocument Pool(
        string task,
        IReadOnlyList<string> labels,
        IReadOnlyDictionary<string, ResultDocument> sites,
        IReadOnlyList<MissingSite> missing)
    {
        ArgumentNullException.ThrowIfNull(sites);
        var ordered = sites.OrderBy(s => s.Key, StringComparer.Ordinal).ToList();
        var pooled = ordered.Count == 0
            ? null
            : ResultDocument.FromCounts(
                task,
                ClassificationCounts.Pool(labels, ordered.Select(s => s.Value.ToCounts())),
                InputSummary.Sum(ordered.Select(s => s.Value.InputSummary)));
        return new PooledResultDocument
        {
            Task = task,
            Pooled = pooled,
            PerSite = new SortedDictionary<string, ResultDocument>(ordered.ToDictionary(s => s.Key, s => s.Value), StringComparer.Ordinal),
            IncludedSites = [.. ordered.Select(s => s.Key)],
            MissingSites = [.. missing.OrderBy(m => m.Site, StringComparer.Ordinal)],
        };
    }
}

public sealed record MissingSite(string Site, string Reason);
