namespace Partages.SecureAggregation.Noise;

/// <summary>
/// How much Skellam noise a secure sum needs to give the guarantee a discrete Gaussian release would give, and what it
/// then guarantees (docs/secure-aggregation.md, "Distributed noise"). Doubles: accounting, not a sampling path; every
/// rounding below errs towards more noise.
/// <para>
/// Agarwal, Kairouz and Liu ("The Skellam Mechanism for Differentially Private Federated Learning", NeurIPS 2021,
/// Theorem 3.5), with V the variance of the Skellam noise on a coordinate (Poisson(V/2) − Poisson(V/2)) and Δ₁, Δ₂ the
/// sensitivities: for integer α &gt; 1, ε(α) ≤ αΔ₂²/(2V) + min(((2α−1)Δ₂² + 6Δ₁)/(4V²), 3Δ₁/(2V)).
/// Applied per coordinate (a count that one report moves by an integer d, so |d| ≤ d²) and using α ≥ 1:
/// ((2α−1)d² + 6|d|)/(4V²) ≤ 2αd²/V², so ε(α) ≤ α · d²/(2V) · (1 + 4/V). Summed over coordinates (RDP composes), a
/// release whose Gaussian analysis with variances V_i spends ρ_G = sup Σ d_i²/(2V_i) satisfies ε(α) ≤ α ρ_G (1 + 4/V_min)
/// at every integer α ≥ 2.
/// </para>
/// <para>
/// Real orders: (α−1)D_α is convex in α (a log-moment generating function), so between integers k and k+1 it lies
/// below the chord of the bounds, which exceeds α(α−1)ρ by at most ρθ(1−θ) ≤ ρ/4 (α = k+θ); divided by α(α−1) ≥ 2
/// that is a factor at most 1 + 1/8. Hence ε(α) ≤ α · <see cref="RealOrderFactor"/> · ρ_G (1 + 4/V_min) for every real
/// α ≥ 2, which is what the ledger's zCDP conversion uses (it searches α ≥ 2 only, see Zcdp.DeltaOf).
/// </para>
/// </summary>
public static class SkellamCalibration
{
    /// <summary>Integer orders to real orders ≥ 2 (see the class).</summary>
    public const double RealOrderFactor = 9.0 / 8.0;

    /// <summary>
    /// The zCDP ρ (for orders α ≥ 2) of Skellam noise whose variances would make a discrete Gaussian release spend
    /// <paramref name="gaussianRho"/>, the smallest variance being <paramref name="smallestVariance"/>.
    /// </summary>
    public static double Rho(double gaussianRho, double smallestVariance)
    {
        RequirePositive(gaussianRho, nameof(gaussianRho));
        RequirePositive(smallestVariance, nameof(smallestVariance));
        return RealOrderFactor * gaussianRho * (1 + (4 / smallestVariance));
    }

    /// <summary>
    /// y ≥ 9/8: multiplying every variance of a discrete Gaussian release at ρ by y (the smallest being
    /// <paramref name="smallestGaussianVariance"/>) gives Skellam noise that is ρ-zCDP (orders ≥ 2):
    /// <see cref="Rho"/>(ρ/y, y·a) ≤ ρ ⟺ a·y² − (9/8)·a·y − 9/2 ≥ 0, solved for its positive root and nudged up.
    /// </summary>
    public static double Inflation(double smallestGaussianVariance)
    {
        RequirePositive(smallestGaussianVariance, nameof(smallestGaussianVariance));
        var a = smallestGaussianVariance;
        var half = RealOrderFactor / 2;
        var y = half + Math.Sqrt((half * half) + (4 * RealOrderFactor / a));
        // Rounded up by a relative 1e-12 so the inequality holds in floating point too.
        return y * (1 + 1e-12);
    }

    /// <summary>
    /// Rényi divergence bound of Theorem 3.5 for one release at integer order <paramref name="alpha"/>, as the paper states
    /// it (V the noise variance per coordinate): used by the tests to check the simplification above.
    /// </summary>
    public static double PaperRdp(int alpha, double l1Sensitivity, double l2SensitivitySquared, double variance)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(alpha, 2);
        RequirePositive(variance, nameof(variance));
        var first = alpha * l2SensitivitySquared / (2 * variance);
        var second = Math.Min(
            (((2 * alpha) - 1) * l2SensitivitySquared + (6 * l1Sensitivity)) / (4 * variance * variance),
            3 * l1Sensitivity / (2 * variance));
        return first + second;
    }

    private static void RequirePositive(double value, string name)
    {
        if (!double.IsFinite(value) || value <= 0)
        {
            throw new ArgumentOutOfRangeException(name, value, "Must be finite and positive.");
        }
    }
}
