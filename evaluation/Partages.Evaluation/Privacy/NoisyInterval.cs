namespace Partages.Evaluation.Privacy;

/// <summary>
/// A figure derived from noisy counts: a point estimate and a 95 % interval that includes both the DP noise and the
/// sampling error. <see cref="Estimate"/> null means "not estimable": the noise drowns the figure's denominator, and
/// printing 0 or 1 instead would state something the counts do not support. The interval is then null too.
/// </summary>
public sealed record NoisyInterval(double? Estimate, double? CiLow, double? CiHigh)
{
    /// <summary>The figure that could not be estimated.</summary>
    public static NoisyInterval NotEstimable { get; } = new(null, null, null);

    public bool IsEstimable => Estimate.HasValue;
}
