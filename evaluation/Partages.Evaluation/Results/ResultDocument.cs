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
    public required double? Accuracy { get; init; }
    public required InputSummary InputSummary { get; init; }

    // Optional sections (docs/results-schema.md): null when not computed, e.g. a result built from a confusion
    // matrix alone, or a document written before they existed.

    /// <summary>Wilson intervals of accuracy and per-class precision and recall; derived from the confusion matrix.</summary>
    public IntervalsSection? Intervals { get; init; }

    /// <summary>Per class, positives and negatives per score-grid bin: the sufficient statistic of the ranking metrics.</summary>
    public ScoreHistogramsSection? ScoreHistograms { get; init; }

    /// <summary>Per class AUROC with its DeLong interval, derived from <see cref="ScoreHistograms"/>.</summary>
    public IReadOnlyDictionary<string, AurocEntry>? Auroc { get; init; }

    /// <summary>Per class average precision (step-wise, as scikit-learn's), derived from <see cref="ScoreHistograms"/>; null for a class without positives.</summary>
    public IReadOnlyDictionary<string, double?>? Auprc { get; init; }

    /// <summary>Reliability bins, ECE and Brier score from the released calibration sums.</summary>
    public CalibrationSection? Calibration { get; init; }

    /// <summary>What the node's release gate suppressed, merged, withheld or noised; null when no gate was passed.</summary>
    public ReleaseSection? Release { get; init; }

    /// <summary>Entity recognition only: counts and P/R/F1 under strict, exact, partial and type (<see cref="NerResults"/>).</summary>
    public IReadOnlyDictionary<string, NerSchemeSection>? Schemes { get; init; }

    /// <summary>
    /// Entity recognition only: how predictions were paired with gold entities (<c>nervaluate-1</c> or
    /// <c>nervaluate-0.1</c>, docs/ner.md "Entity matching"); absent from results written before the key existed,
    /// which were counted with nervaluate-0.1 (<see cref="Metrics.NerMatching.OfResult"/>).
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? NerMatching { get; init; }

    /// <summary>
    /// Entity recognition under nervaluate-1 only: nervaluate 1.x's per-type figures, each type's entities matched
    /// alone, per scheme (<see cref="NerByType"/>). Under nervaluate-1 <see cref="Schemes"/> holds the
    /// types matched together, whose overall is nervaluate 1.x's overall.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, NerTypeSchemesSection>? SchemesByType { get; init; }

    /// <summary>Entity recognition, when the spec asks for them: EDS-NLP's ner_exact, ner_token, ner_overlap (<see cref="EdsNlpResults"/>).</summary>
    [System.Text.Json.Serialization.JsonPropertyName("edsnlp")]
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public EdsNlpSection? EdsNlp { get; init; }

    /// <summary>
    /// Entity recognition, when the spec asks for them: span_attribute, normalisation and ner_fragments on what the
    /// entities carry (<see cref="QualifierResults"/>, docs/ner.md "Attributes, codes and fragments").
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public QualifierSection? SpanQualifiers { get; init; }

    /// <summary>Entity recognition only: seqeval's strict-mode (IOB2) report, with the word counts behind its accuracy.</summary>
    public SeqevalSection? Seqeval { get; init; }

    /// <summary>Multi-label classification only: the threshold and the documents predicted exactly (<see cref="MultiLabelResults"/>).</summary>
    public MultiLabelSection? MultiLabel { get; init; }

    /// <summary>The spec's robustness suite: per perturbation, the perturbed run's result and its change (<see cref="Robustness.RobustnessResults"/>); absent when the spec lists none.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public Robustness.RobustnessSection? Robustness { get; init; }

    /// <summary>Entity recognition counted under a bound on entities per report (differential privacy); absent otherwise.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public EntityClippingSection? EntityClipping { get; init; }

    /// <summary>Dataset QC only: the site's dataset profile and annotator agreement (<see cref="Tasks.DatasetQc.DatasetQcSection"/>).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public Tasks.DatasetQc.DatasetQcSection? DatasetQc { get; init; }

    /// <summary>Generative extraction only: the per-field tables, the outputs by kind and the invalid-output rate (<see cref="Tasks.GenerativeExtraction.GenerativeSection"/>).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public Tasks.GenerativeExtraction.GenerativeSection? Generative { get; init; }

    /// <summary>Multiple-choice QA only: the questions by Hamming score, the answers by outcome, EMR and Hamming score (<see cref="Tasks.MultipleChoice.MultipleChoiceSection"/>).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public Tasks.MultipleChoice.MultipleChoiceSection? MultipleChoice { get; init; }

    /// <summary>Builds the document from the sufficient statistics, deriving every metric from them.</summary>
    public static ResultDocument FromCounts(string task, ClassificationCounts counts, InputSummary inputSummary) =>
        FromStatistics(task, counts, histograms: null, calibration: null, inputSummary);

    /// <summary>
    /// Builds the document from every sufficient statistic there is: the confusion matrix, and optionally the
    /// one-vs-rest score histograms and the calibration sums. Every metric is derived from them, so a release rule
    /// that changes a statistic (merging bins, suppressing cells) rebuilds a consistent document by calling this again.
    /// </summary>
    /// <exception cref="ArgumentException">The histograms' labels are not the confusion matrix's.</exception>
    public static ResultDocument FromStatistics(
        string task,
        ClassificationCounts counts,
        OneVsRestHistograms? histograms,
        CalibrationStatistics? calibration,
        InputSummary inputSummary)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var report = ClassificationMetrics.Compute(counts);
        var ranking = histograms is null ? null : RankingSections.From(counts.Labels, histograms);
        return FromReport(task, counts.DocumentCount, new ConfusionMatrixDto(counts.Labels, counts.ToMatrix()), report, inputSummary) with
        {
            Intervals = RankingSections.Intervals(counts.Labels, report, counts.DocumentCount),
            ScoreHistograms = ranking?.Histograms,
            Auroc = ranking?.Auroc,
            Auprc = ranking?.Auprc,
            Calibration = calibration is null ? null : RankingSections.Calibration(calibration),
        };
    }

    /// <summary>The members every task's result has, from its report; the task adds its own sections with <c>with</c>.</summary>
    public static ResultDocument FromReport(string task, long documents, ConfusionMatrixDto matrix, ClassificationReport report, InputSummary inputSummary)
    {
        ArgumentNullException.ThrowIfNull(report);
        return new ResultDocument
        {
            Task = task,
            NDocuments = documents,
            ConfusionMatrix = matrix,
            PerClass = report.PerClass,
            Micro = report.Micro,
            Macro = report.Macro,
            Weighted = report.Weighted,
            Accuracy = report.Accuracy,
            InputSummary = inputSummary,
        };
    }

    private static readonly AveragedMetrics NoFigures = new(null, null, null);

    /// <summary>
    /// The members every task's result has, for a task whose figures are all in its own section (dataset QC, multiple
    /// choice): an empty top-level table and no classification figures; the task adds its section with <c>with</c>.
    /// </summary>
    public static ResultDocument WithoutMatrix(string task, long documents, InputSummary inputSummary) => new()
    {
        Task = task,
        NDocuments = documents,
        ConfusionMatrix = new ConfusionMatrixDto([], []),
        PerClass = new SortedDictionary<string, ClassMetrics>(StringComparer.Ordinal),
        Micro = NoFigures,
        Macro = NoFigures,
        Weighted = NoFigures,
        Accuracy = null,
        InputSummary = inputSummary,
    };

    public ClassificationCounts ToCounts() =>
        ClassificationCounts.FromMatrix(ConfusionMatrix.Labels, [.. ConfusionMatrix.Matrix.Select(row => (IReadOnlyList<long>)row)]);

    /// <summary>The released score histograms in the confusion matrix's label order; null when the document has none.</summary>
    /// <exception cref="InvalidDataException">The section is not on the shared grid, its classes differ from the matrix's labels, or a vector is malformed.</exception>
    public OneVsRestHistograms? ToHistograms() => ScoreHistograms is null ? null : RankingSections.ToHistograms(ConfusionMatrix.Labels, ScoreHistograms);

    /// <summary>The released calibration sums; null when the document has none.</summary>
    /// <exception cref="InvalidDataException">The sums are malformed or impossible.</exception>
    public CalibrationStatistics? ToCalibration() => Calibration is null ? null : RankingSections.ToCalibration(Calibration);
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

    /// <summary>Per-class F1 and AUROC across the included sites: Q, I², τ², DerSimonian–Laird. Null when no site is included.</summary>
    public HeterogeneitySection? Heterogeneity { get; init; }

    /// <summary>Pooled sections left out because not every included site released them usably; null when none was.</summary>
    public IReadOnlyList<OmittedSection>? OmittedSections { get; init; }

    /// <summary>A pooled-only evaluation: the pooled figures are a secure sum of these sites (no per-site result exists); null otherwise.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public SecureSumSection? SecureSum { get; init; }

    /// <summary>
    /// Pools the sites' sufficient statistics by addition — confusion matrices always; score histograms and
    /// calibration sums when every included site released them (a pool of some sites only would not be the union's,
    /// so the section is then left out and named in <see cref="OmittedSections"/>) — derives the pooled metrics from
    /// the sums, and meta-analyses per-site estimates in <see cref="Heterogeneity"/>. Deterministic: sites are taken
    /// in ordinal order of their names and classes in <paramref name="labels"/>' order, so the same inputs give
    /// byte-identical JSON.
    /// </summary>
    public static PooledResultDocument Pool(
        string task,
        IReadOnlyList<string> labels,
        IReadOnlyDictionary<string, ResultDocument> sites,
        IReadOnlyList<MissingSite> missing)
    {
        ArgumentNullException.ThrowIfNull(sites);
        ArgumentNullException.ThrowIfNull(missing);
        var ordered = sites.OrderBy(s => s.Key, StringComparer.Ordinal).ToList();
        // With no site included there is nothing to pool, whatever the task.
        var pooled = ordered.Count == 0 ? null : Tasks.TaskRegistry.Get(task).Pool(labels, ordered);
        if (pooled?.Pooled is not null)
        {
            // The robustness suite pools per perturbation with the task's own pooling (Robustness.RobustnessResults).
            var omitted = pooled.Omitted.ToList();
            pooled = pooled with { Pooled = global::Partages.Evaluation.Robustness.RobustnessResults.Pool(task, labels, pooled.Pooled, ordered, omitted), Omitted = omitted };
        }

        return new PooledResultDocument
        {
            Task = task,
            Pooled = pooled?.Pooled,
            PerSite = new SortedDictionary<string, ResultDocument>(ordered.ToDictionary(s => s.Key, s => s.Value), StringComparer.Ordinal),
            IncludedSites = [.. ordered.Select(s => s.Key)],
            MissingSites = [.. missing.OrderBy(m => m.Site, StringComparer.Ordinal)],
            Heterogeneity = pooled?.Heterogeneity,
            OmittedSections = pooled is null || pooled.Omitted.Count == 0 ? null : pooled.Omitted,
        };
    }
}

public sealed record MissingSite(string Site, string Reason);
