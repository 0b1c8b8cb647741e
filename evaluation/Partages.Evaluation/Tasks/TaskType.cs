using Partages.Evaluation.Results;

namespace Partages.Evaluation.Tasks;

/// <summary>
/// One task type: everything about it that the spec parser, the coordinator's intake and pooling, the node's release
/// gate, the engine's segment merge, the CLI and the dashboard must agree on. Each subclass lives in its own folder
/// under <c>Tasks/</c> with the result sections it reads and writes; the rest of the code asks
/// <see cref="TaskRegistry"/> for the slice instead of comparing task names (docs/architecture.md, "Adding a task type").
/// </summary>
public abstract class TaskType
{
    /// <summary>The wire name: in specs, manifests, policies, protos and results (e.g. <c>single_label_classification</c>).</summary>
    public abstract string Name { get; }

    // --- Spec rules ---

    /// <summary>The fewest labels a spec may list.</summary>
    public virtual int MinimumLabels => 2;

    /// <summary>The spec error when fewer than <see cref="MinimumLabels"/> are listed.</summary>
    public virtual string TooFewLabels => "a classification needs at least two labels";

    /// <summary>Whether the spec's <c>ner_matching</c> (how predicted entities are paired with gold ones) applies.</summary>
    public virtual bool MatchesEntities => false;

    /// <summary>
    /// Whether an evaluation of this task runs a model: false for a task that reads the dataset only (dataset QC),
    /// which is submitted without a bundle and whose offers carry none (docs/data-quality.md, "Model-free tasks").
    /// </summary>
    public virtual bool UsesModel => true;

    /// <summary>
    /// Whether a task that runs no model (<see cref="UsesModel"/> false) may still be given a bundle, which then goes
    /// through the node's download, hash and trust checks like any bundle (dataset QC reads its tokenizer only).
    /// </summary>
    public virtual bool ModelOptional => false;

    /// <summary>Whether the spec's <c>annotation</c> and <c>annotators</c> (what to profile, whose agreement) apply.</summary>
    public virtual bool ProfilesDataset => false;

    /// <summary>Metrics this task produces beyond the common ones (spec key <c>metrics</c>); a spec asking another task's is refused with the list.</summary>
    public virtual IReadOnlyList<string> ExtraMetrics => [];

    /// <summary>Whether the model generates text (a bundle with a <c>generation</c> section, a spec that may set <c>prompt_template</c>).</summary>
    public virtual bool IsGenerative => false;

    /// <summary>A generative task's problems with a prompt template (unknown or missing placeholders); none for any other task.</summary>
    public virtual IReadOnlyList<string> PromptTemplateProblems(string? template) => [];

    /// <summary>A generative task's problems with a bundle's <c>generation</c> section beyond the common settings (its output contract, its labels), each prefixed by its JSON path.</summary>
    public virtual IReadOnlyList<string> GenerationProblems(Bundles.GenerationSettings settings, IReadOnlyList<string>? labels) => [];

    // --- How results read (CLI, dashboard) ---

    /// <summary>
    /// Whether <c>confusion_matrix</c> is a label co-occurrence matrix (a document counts once in every pair of its
    /// gold and predicted label sets) rather than one cell per document.
    /// </summary>
    public virtual bool MatrixCountsLabelPairs => false;

    /// <summary>Whether the result counts entities (schemes, seqeval), which the dashboard analyses per entity type.</summary>
    public virtual bool CountsEntities => false;

    /// <summary>
    /// Whether a spec may list <c>robustness</c> perturbations for this task: the engine rewrites each report before
    /// inference and scores the rewritten run as it scores the clean one (<see cref="Robustness.RobustnessResults"/>).
    /// </summary>
    public virtual bool SupportsRobustness => false;

    // --- Result checks (the coordinator's intake) ---

    /// <summary>
    /// The labels a result's top-level <c>confusion_matrix</c> must carry for a spec listing <paramref name="labels"/>:
    /// the same, none for a task without a matrix (dataset QC), or null when that matrix is not over the spec's labels
    /// and the intake does not check it (generative extraction's labels are its fields and its table is over their
    /// values; multiple choice keeps its figures in its own section): <see cref="CheckSections"/> checks those instead.
    /// </summary>
    public virtual IReadOnlyList<string>? MatrixLabels(IReadOnlyList<string> labels) => labels;

    /// <summary>Reads back every section the task's pooling needs; <paramref name="noisy"/> when released under differential privacy.</summary>
    /// <exception cref="InvalidDataException">A section the task's pooling reads is missing or malformed.</exception>
    public virtual void CheckSections(ResultDocument document, IReadOnlyList<string> labels, bool noisy)
    {
    }

    /// <summary>
    /// How many noisy cells, each with the release's <c>outcome_counts</c> variance, a private result's
    /// <c>n_documents</c> adds up: the coordinator's plausibility check allows for the noise of their sum
    /// (sd = σ·√cells). By default the C² cells of the confusion matrix.
    /// </summary>
    public virtual int DocumentCountCells(ResultDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var labels = Math.Max(1, document.ConfusionMatrix?.Labels.Count ?? 0);
        return labels * labels;
    }

    // --- Pooling ---

    /// <summary>
    /// The pooled result of the included sites (ordinal order of their names, at least one), from their sufficient
    /// statistics, with the per-site meta-analysis when the task has one and the sections left out.
    /// </summary>
    public abstract PooledSections Pool(IReadOnlyList<string> labels, IReadOnlyList<KeyValuePair<string, ResultDocument>> sites);

    /// <summary>
    /// Adds up a run's segments (disjoint documents, one per inference worker): every released statistic is a sum
    /// over documents, so this is pooling without the meta-analysis.
    /// </summary>
    /// <exception cref="InvalidDataException">A segment's sections are malformed.</exception>
    public abstract ResultDocument MergeSegments(IReadOnlyList<string> labels, IReadOnlyList<ResultDocument> segments);

    // --- Release rules (the node's release gate) ---

    /// <summary>The result released with exact counts, as the hospital chose (<c>differential_privacy: off</c>).</summary>
    /// <exception cref="ReleaseRefusedException">The result's sections are malformed or contradict each other.</exception>
    public abstract ResultDocument ReleaseExact(ResultDocument result);

    /// <summary>The result released under differential privacy: every count noised, every figure derived from the noisy counts.</summary>
    /// <exception cref="ReleaseRefusedException">The result cannot be released under <paramref name="release"/>.</exception>
    public abstract ResultDocument ReleasePrivate(ResultDocument result, PrivateRelease release);

    public override string ToString() => Name;
}

/// <summary>What <see cref="TaskType.Pool"/> gives <see cref="PooledResultDocument"/>.</summary>
/// <param name="Pooled">The pooled result; null when it cannot be computed.</param>
/// <param name="Heterogeneity">Per-class F1 and AUROC across sites; null when the task has no meta-analysis.</param>
/// <param name="Omitted">Pooled sections left out, with the reason.</param>
public sealed record PooledSections(ResultDocument? Pooled, HeterogeneitySection? Heterogeneity, IReadOnlyList<OmittedSection> Omitted);

/// <summary>A result the release gate must not let out; the message says why and is safe to send to the coordinator.</summary>
public sealed class ReleaseRefusedException : Exception
{
    public ReleaseRefusedException()
    {
    }

    public ReleaseRefusedException(string message)
        : base(message)
    {
    }

    public ReleaseRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
