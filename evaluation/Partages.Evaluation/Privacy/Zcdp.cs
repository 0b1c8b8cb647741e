namespace Partages.Evaluation.Privacy;

/// <summary>
/// Zero-concentrated differential privacy (Bun and Steinke, TCC 2016) accounting: ρ adds up under composition, and
/// is converted to (ε, δ)-DP wherever ε is reported. Doubles throughout: accounting is not a sampling path, and
/// every conversion is rounded in the direction that keeps the stated guarantee true (see each member).
/// </summary>
public static class Zcdp
{
    /// <summary>The smallest Rényi order the conversions use (see <see cref="DeltaOf"/>).</summary>
    public const double SmallestOrder = 2;

    // Bisections stop at this relative width: far below any figure printed, far above double noise.
    private const double RelativeTolerance = 1e-13;

    /// <summary>
    /// ρ of the (discrete) Gaussian mechanism: Δ₂² / (2σ²) for a query of squared L2 sensitivity Δ₂²
    /// (CKS 2020 Theorem 14 for the discrete Gaussian, as for the continuous one).
    /// </summary>
    public static double RhoOf(double sensitivitySquared, double sigmaSquared)
    {
        RequireNonNegative(sensitivitySquared, nameof(sensitivitySquared));
        RequirePositive(sigmaSquared, nameof(sigmaSquared));
        return sensitivitySquared / (2 * sigmaSquared);
    }

    /// <summary>σ² = Δ₂² / (2ρ): the noise variance parameter that spends exactly ρ. Round it up, never down, to sample.</summary>
    public static double SigmaSquaredFor(double rho, double sensitivitySquared)
    {
        RequirePositive(rho, nameof(rho));
        RequireNonNegative(sensitivitySquared, nameof(sensitivitySquared));
        return sensitivitySquared / (2 * rho);
    }

    /// <summary>
    /// The δ at which ρ-zCDP implies (ε, δ)-DP, by Canonne, Kamath and Steinke 2020, Corollary 13 (their
    /// Proposition 12 applied to the Rényi divergences αρ of zCDP):
    /// δ = inf over α &gt; 1 of exp((α−1)(αρ−ε)) / (α−1) · (1 − 1/α)^α, capped at 1.
    /// The infimum is found by a scan then golden-section search on ln(α−1);
    /// any α gives a valid δ, so an inexact minimiser errs only on the safe (larger δ) side.
    /// The search is restricted to α ≥ <see cref="SmallestOrder"/>: the Skellam noise of a secure sum is bounded at
    /// integer orders only (Agarwal, Kairouz, Liu 2021), extended to real α ≥ 2 by convexity (docs/secure-aggregation.md),
    /// and a ledger mixes both mechanisms. For the budgets in use the minimiser lies far above 2 (α ≈ (ε+ρ)/(2ρ)),
    /// so the restriction changes no figure there; it can only make δ larger, never smaller.
    /// </summary>
    public static double DeltaOf(double rho, double epsilon)
    {
        RequireNonNegative(rho, nameof(rho));
        RequireNonNegative(epsilon, nameof(epsilon));
        if (rho == 0)
        {
            return 0;
        }

        // A coarse scan of ln(α−1) around Bun–Steinke's α = (ε+ρ)/(2ρ) brackets the minimiser even if the
        // objective had several dips; golden-section search then refines inside the best bracket.
        var centre = Math.Log(Math.Max((epsilon + rho) / (2 * rho) - 1, 1e-6));
        const int steps = 96;
        const double halfWidth = 12;
        var best = 0;
        var bestValue = double.PositiveInfinity;
        for (var i = 0; i <= steps; i++)
        {
            var value = LogDelta(rho, epsilon, centre - halfWidth + 2 * halfWidth * i / steps);
            if (value < bestValue)
            {
                bestValue = value;
                best = i;
            }
        }

        var lo = centre - halfWidth + 2 * halfWidth * Math.Max(best - 1, 0) / steps;
        var hi = centre - halfWidth + 2 * halfWidth * Math.Min(best + 1, steps) / steps;
        var inverseGolden = (Math.Sqrt(5) - 1) / 2;
        var a = hi - inverseGolden * (hi - lo);
        var b = lo + inverseGolden * (hi - lo);
        var fa = LogDelta(rho, epsilon, a);
        var fb = LogDelta(rho, epsilon, b);
        for (var i = 0; i < 200 && hi - lo > 1e-12; i++)
        {
            if (fa < fb)
            {
                hi = b;
                b = a;
                fb = fa;
                a = hi - inverseGolden * (hi - lo);
                fa = LogDelta(rho, epsilon, a);
            }
            else
            {
                lo = a;
                a = b;
                fa = fb;
                b = lo + inverseGolden * (hi - lo);
                fb = LogDelta(rho, epsilon, b);
            }
        }

        return Math.Min(1.0, Math.Exp(Math.Min(bestValue, Math.Min(fa, fb))));
    }

    /// <summary>
    /// The smallest ε with ρ-zCDP ⇒ (ε, δ)-DP by <see cref="DeltaOf"/>, found by bisection (δ decreases in ε) and
    /// returned from the upper end of the final bracket, so the ε reported is never smaller than the true one.
    /// Never larger than Bun and Steinke's ε = ρ + 2√(ρ ln(1/δ)), which starts the bracket.
    /// </summary>
    public static double EpsilonOf(double rho, double delta)
    {
        RequireNonNegative(rho, nameof(rho));
        RequireProbability(delta, nameof(delta));
        if (rho == 0 || DeltaOf(rho, 0) <= delta)
        {
            return 0;
        }

        double lo = 0, hi = rho + 2 * Math.Sqrt(rho * Math.Log(1 / delta));
        while (DeltaOf(rho, hi) > delta)
        {
            // Not expected (CKS is tighter than Bun–Steinke); kept so a wrong bracket cannot return a wrong ε.
            hi *= 2;
        }

        while (hi - lo > RelativeTolerance * hi)
        {
            var mid = 0.5 * (lo + hi);
            if (DeltaOf(rho, mid) > delta)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }

        return hi;
    }

    /// <summary>
    /// The largest ρ whose <see cref="EpsilonOf"/> at δ is at most ε: bisection on ρ (δ grows with ρ at fixed ε),
    /// returned from the lower end of the final bracket, so spending it never exceeds (ε, δ).
    /// </summary>
    public static double RhoFor(double epsilon, double delta)
    {
        RequireNonNegative(epsilon, nameof(epsilon));
        RequireProbability(delta, nameof(delta));
        if (epsilon == 0)
        {
            return 0;
        }

        // Bun–Steinke's ρ for this (ε, δ) is feasible under the tighter CKS conversion: a lower end.
        var logInverseDelta = Math.Log(1 / delta);
        var sqrtRho = Math.Sqrt(logInverseDelta + epsilon) - Math.Sqrt(logInverseDelta);
        double lo = sqrtRho * sqrtRho, hi = Math.Max(2 * lo, epsilon);
        if (DeltaOf(lo, epsilon) > delta)
        {
            // Not expected; kept so the bisection's invariant (lo feasible) holds whatever the rounding.
            lo = 0;
        }

        while (DeltaOf(hi, epsilon) <= delta)
        {
            lo = hi;
            hi *= 2;
        }

        while (hi - lo > RelativeTolerance * hi)
        {
            var mid = 0.5 * (lo + hi);
            if (DeltaOf(mid, epsilon) <= delta)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    /// <summary>ln of the CKS objective at α = 1 + e^x: (α−1)(αρ−ε) + α ln(1−1/α) − ln(α−1).</summary>
    private static double LogDelta(double rho, double epsilon, double x)
    {
        // α − 1 ≥ 1: any α ≥ 2 gives a valid δ, so clamping keeps every evaluated point a valid bound.
        var alphaMinusOne = Math.Max(Math.Exp(x), SmallestOrder - 1);
        x = Math.Log(alphaMinusOne);
        var alpha = 1 + alphaMinusOne;
        // ln(1 − 1/α) = ln((α−1)/α), written so it stays accurate for α close to 1.
        return alphaMinusOne * (alpha * rho - epsilon) + alpha * (x - Math.Log(alpha)) - x;
    }

    private static void RequireNonNegative(double value, string name)
    {
        if (!double.IsFinite(value) || value < 0)
        {
            throw new ArgumentOutOfRangeException(name, value, "Must be finite and non-negative.");
        }
    }

    private static void RequirePositive(double value, string name)
    {
        if (!double.IsFinite(value) || value <= 0)
        {
            throw new ArgumentOutOfRangeException(name, value, "Must be finite and positive.");
        }
    }

    private static void RequireProbability(double value, string name)
    {
        if (!(value > 0 && value < 1))
        {
            throw new ArgumentOutOfRangeException(name, value, "δ must lie strictly between 0 and 1.");
        }
    }
}
