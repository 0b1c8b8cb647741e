namespace Partages.Evaluation.Specs;

/// <summary>
/// An evaluation spec (eval-specs/*.yaml): what to evaluate, on which node-local dataset, and what
/// makes the federated result acceptable. Parsed and validated by <see cref="SpecParser"/>.
/// </summary>
public sealed record EvaluationSpec
{
    public const int CurrentVersion = 1;

    public int Version { get; init; } = CurrentVersion;
    public required string Name { get; init; }
    public string Description { get; init; } = "";
    /// <summary>One of <see cref="Bundles.TaskTypes.All"/>.</summary>
    public required string Task { get; init; }
    /// <summary>The dataset name every target node exposes in its configuration.</summary>
    public required string Dataset { get; init; }
    /// <summary>The gold label set; must equal the model's labels (order free).</summary>
    public required IReadOnlyList<string> Labels { get; init; }
    public IReadOnlyList<string> Metrics { get; init; } = ["confusion_matrix", "precision", "recall", "f1"];
    /// <summary>Node names to target; empty means every enrolled node.</summary>
    public IReadOnlyList<string> Nodes { get; init; } = [];
    /// <summary>
    /// Spec key <c>robustness</c>: the perturbations the node applies to every report before inference, each scored as
    /// the clean run is and compared with it (docs/data-quality.md, "Robustness"); empty: the clean run only.
    /// </summary>
    public IReadOnlyList<global::Partages.Evaluation.Robustness.RobustnessCheck> Robustness { get; init; } = [];
    /// <summary>Quorum: fewer successful sites than this and the evaluation fails.</summary>
    public int MinSites { get; init; } = 1;
    /// <summary>Wall-clock budget for the whole evaluation; runs still open then are failed.</summary>
    public int DeadlineMinutes { get; init; } = 60;
    /// <summary>
    /// For entity recognition: one of <see cref="global::Partages.Evaluation.Metrics.NerMatching.All"/> (spec key <c>ner_matching</c>), which
    /// nervaluate release's pairing of predictions with gold entities the counts follow.
    /// </summary>
    public string NerMatching { get; init; } = global::Partages.Evaluation.Metrics.NerMatching.Default;
    /// <summary>For entity recognition with <c>ner_overlap</c> in <see cref="Metrics"/>: its Dice threshold (spec key <c>ner_overlap_threshold</c>).</summary>
    public double NerOverlapThreshold { get; init; } = global::Partages.Evaluation.Metrics.EdsNlpMetrics.DefaultOverlapThreshold;

    /// <summary>Dataset QC: what the labels are, document labels or entity types (spec key <c>annotation</c>).</summary>
    public string Annotation { get; init; } = global::Partages.Evaluation.Tasks.DatasetQc.DatasetQcAnnotation.Labels;

    /// <summary>Dataset QC: two or more fields, each one annotator's gold, whose agreement is measured (spec key <c>annotators</c>); empty: none.</summary>
    public IReadOnlyList<string> Annotators { get; init; } = [];

    /// <summary>
    /// Spec key <c>pooled_only</c>: the sites' counts are added by secure aggregation (docs/secure-aggregation.md) and
    /// the coordinator learns only their sum; no per-site result exists outside its hospital.
    /// </summary>
    public bool PooledOnly { get; init; }

    /// <summary>For a generative task: the prompt (spec key <c>prompt_template</c>) replacing the bundle's; null: the bundle's.</summary>
    public string? PromptTemplate { get; init; }
}
