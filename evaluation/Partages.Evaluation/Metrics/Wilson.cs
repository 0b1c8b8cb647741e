namespace Partages.Evaluation.Metrics;

/// <summary>
/// Wilson (1927) score interval for a proportion k / n: the proportions p for which |k/n − p| ≤ z·√(p(1−p)/n).
/// Unlike the Wald interval it stays inside [0, 1] and does not collapse to a point at k = 0 or k = n, which
/// matters for small per-class supports at a single hospital.
/// </summary>
public static class Wilson
{
    /// <summary>
    /// <c>(k + z²/2 ± z·√(k(n − k)/n + z²/4)) / (n + z²)</c>. With n = 0 nothing is known: (0, 1). At k = 0 the
    /// lower bound is exactly 0 and at k = n the upper bound exactly 1 (the formula's own values, written
    /// without the rounding error of the subtraction).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">n &lt; 0, k &lt; 0, k &gt; n, or z not positive and finite.</exception>
    public static ConfidenceInterval Interval(long successes, long trials, double z = ConfidenceInterval.Z95)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(trials);
        ArgumentOutOfRangeException.ThrowIfNegative(successes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(successes, trials);
        if (!double.IsFinite(z) || z <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(z), z, "The normal quantile must be positive and finite.");
        }

        if (trials == 0)
        {
            return new ConfidenceInterval(0, 1);
        }

        double k = successes, n = trials, z2 = z * z;
        var center = k + z2 / 2;
        var half = z * Math.Sqrt(k * (n - k) / n + z2 / 4);
        var lower = successes == 0 ? 0 : (center - half) / (n + z2);
        var upper = successes == trials ? 1 : (center + half) / (n + z2);
        return new ConfidenceInterval(Math.Max(0, lower), Math.Min(1, upper));
    }
}
