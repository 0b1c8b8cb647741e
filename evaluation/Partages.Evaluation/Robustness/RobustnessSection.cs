using System.Text.Json.Serialization;
using Partages.Evaluation.Results;

namespace Partages.Evaluation.Robustness;

/// <summary>
/// <c>robustness</c>: per perturbation of the spec's suite, the same result as the clean run's (computed on the
/// perturbed reports), the change of the headline figures against the clean run, and the paired discordance McNemar's
/// test reads (docs/results-schema.md, "Robustness"). Every count pools by addition across sites.
/// </summary>
public sealed record RobustnessSection(IReadOnlyList<PerturbationResult> Perturbations);

/// <summary>One perturbation's outcome at a site (or pooled).</summary>
public sealed record PerturbationResult
{
    /// <summary>The perturbation with its parameters, e.g. <c>typos(rate=0.02)</c>.</summary>
    public required string Perturbation { get; init; }

    /// <summary>The spec's seed (also in the reproducibility manifest).</summary>
    public required long Seed { get; init; }

    /// <summary>Reports evaluated whose text the perturbation changed.</summary>
    public required long ReportsChanged { get; init; }

    /// <summary>Reports evaluated it could not apply to (no accent to remove, nothing past the cut): counted, still scored.</summary>
    public required long ReportsUnchanged { get; init; }

    /// <summary>Entity recognition: gold entities whose every character the perturbation removed (missed in the paired counts).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? EntitiesLost { get; init; }

    /// <summary>Under differential privacy: the noise variance on <see cref="ReportsChanged"/>, <see cref="ReportsUnchanged"/> and <see cref="EntitiesLost"/>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? CountNoiseVariance { get; init; }

    public required PairedOutcomes Paired { get; init; }

    /// <summary>The perturbed run's result, with the clean run's sections (and its own <c>release</c> when a gate passed it).</summary>
    public required ResultDocument Result { get; init; }

    /// <summary>Perturbed minus clean, derived from the two results; null where either figure is not estimable.</summary>
    public FigureChanges? Change { get; init; }
}

/// <summary>
/// The paired discordance: units right on the clean report and wrong on its perturbed twin, and the reverse. The unit
/// is the document for classification (single-label: the predicted label is the gold one; multi-label: the predicted
/// set is the gold set) and the gold entity for entity recognition (found with the same type and boundaries).
/// </summary>
public sealed record PairedOutcomes
{
    public const string DocumentUnit = "document";
    public const string EntityUnit = "entity";

    public required string Unit { get; init; }

    /// <summary>Right on the clean report, wrong once perturbed.</summary>
    public required long CleanOnly { get; init; }

    /// <summary>Wrong on the clean report, right once perturbed.</summary>
    public required long PerturbedOnly { get; init; }

    /// <summary>Under differential privacy: the noise variance on each of the two counts (pooled: summed).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? NoiseVariance { get; init; }

    /// <summary>McNemar's exact test of the two counts; derived.</summary>
    public McNemarFigure? McNemar { get; init; }
}

/// <summary>
/// McNemar's exact two-sided p-value (statsmodels' <c>mcnemar(exact=True)</c>). From noisy counts: the p-value of the
/// counts clipped at 0 and rounded, with the 95 % interval of p over draws of the counts given their noise.
/// </summary>
public sealed record McNemarFigure(string Method, double PValue, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Interval? PValueInterval);

/// <summary>The headline figures, clean and perturbed; under differential privacy micro F1 is left out (its figure has no interval there).</summary>
public sealed record FigureChanges(FigureChange? Accuracy, FigureChange? MicroF1, FigureChange? MacroF1);

/// <summary>
/// One figure clean and perturbed, and perturbed − clean. <see cref="DeltaInterval"/> only for noisy figures: from the
/// two figures' own intervals, [low_perturbed − high_clean, high_perturbed − low_clean], at least 90 % coverage.
/// </summary>
public sealed record FigureChange(double Clean, double Perturbed, double Delta, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Interval? DeltaInterval);
