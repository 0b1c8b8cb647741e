namespace Partages.Evaluation.Metrics;

/// <summary>A two-sided confidence interval, <see cref="Lower"/> ≤ <see cref="Upper"/>.</summary>
public readonly record struct ConfidenceInterval(double Lower, double Upper)
{
    /// <summary>The standard normal quantile for a two-sided 95% interval, Φ⁻¹(0.975), to double precision.</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>Estimate ± <see cref="Z95"/> × standard error (a Wald interval).</summary>
    public static ConfidenceInterval Normal95(double estimate, double standardError) =>
        new(estimate - Z95 * standardError, estimate + Z95 * standardError);

    /// <summary>The interval intersected with [0, 1], for statistics (AUROC, proportions) that cannot leave it.</summary>
    public ConfidenceInterval ClipToUnit() => new(Math.Clamp(Lower, 0.0, 1.0), Math.Clamp(Upper, 0.0, 1.0));
}
