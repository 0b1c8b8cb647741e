namespace Partages.SecureAggregation.Noise;

/// <summary>
/// A Skellam parameter μ as an exact rational, so a node's share μ/t is computed without rounding.
/// Skellam(μ) = Poisson(μ) − Poisson(μ): mean 0, variance 2μ.
/// </summary>
/// <param name="Numerator">μ's numerator, ≥ 0.</param>
/// <param name="Denominator">μ's denominator, ≥ 1.</param>
public readonly record struct SkellamParameter(long Numerator, long Denominator)
{
    /// <summary>Above this a node's per-coordinate μ is refused: sampling time grows linearly with μ (see <see cref="SkellamNoise"/>).</summary>
    public const long MaximumMu = 1_000_000;

    public double Mu => (double)Numerator / Denominator;

    public double Variance => 2.0 * Mu;

    /// <summary>
    /// The share one node adds when the cohort's sum must carry Skellam(μ) with only <paramref name="threshold"/>
    /// survivors: μ/t. Sums of independent Skellams are Skellam with the μs added, so t survivors give exactly
    /// Skellam(μ); more survivors give more noise (never less), and fewer than t never unmask.
    /// </summary>
    public SkellamParameter PerNodeShare(int threshold)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threshold, 1);
        return new SkellamParameter(Numerator, checked(Denominator * threshold));
    }

    /// <summary>Every problem with the parameter, empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Numerator < 0)
        {
            errors.Add($"Skellam μ numerator {Numerator} is negative.");
        }
        if (Denominator < 1)
        {
            errors.Add($"Skellam μ denominator {Denominator} is below 1.");
        }
        else if (Numerator / Denominator > MaximumMu)
        {
            errors.Add($"Skellam μ = {Numerator}/{Denominator} exceeds {MaximumMu}: noise that large is a configuration error.");
        }
        return errors;
    }
}

/// <summary>
/// Exact Skellam sampling from integer coins only.
/// <para>
/// Poisson(λ) with λ rational is the sum of m = ⌈2λ⌉ independent Poisson(γ), γ = λ/m ≤ 1/2. Poisson(γ) is sampled by
/// rejection from the law of L, the number of successes before the first failure of coins Bernoulli(γ/1),
/// Bernoulli(γ/2), ... (the loop of Canonne, Kamath and Steinke's exact Bernoulli(e^−γ), NeurIPS 2020), whose law is
/// P(L ≥ k) = γ^k/k!, so P(L = k) = γ^k/k! · (1 − γ/(k+1)). Poisson's ratio to it is e^−γ (k+1)/(k+1−γ), at most
/// e^−γ/(1−γ) at k = 0, so L is accepted with probability (k+1)(1−γ)/(k+1−γ), a rational: exact, and about 1.2
/// proposals per draw at γ = 1/2. Cost is linear in λ, hence <see cref="SkellamParameter.MaximumMu"/>.
/// </para>
/// </summary>
public static class SkellamNoise
{
    /// <summary>One Skellam(μ) draw.</summary>
    public static long Sample(SkellamParameter mu, ExactRandom random) =>
        SamplePoisson(mu, random) - SamplePoisson(mu, random);

    /// <summary>Adds an independent Skellam(μ) draw to every coordinate, in place.</summary>
    public static void AddTo(Span<long> counts, SkellamParameter mu, ExactRandom random)
    {
        var errors = mu.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(mu));
        }
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] = checked(counts[i] + Sample(mu, random));
        }
    }

    /// <summary>One Poisson(λ) draw, λ = numerator/denominator.</summary>
    public static long SamplePoisson(SkellamParameter lambda, ExactRandom random)
    {
        if (lambda.Numerator == 0)
        {
            return 0;
        }
        // m = ⌈2λ⌉ pieces of γ = λ/m = numerator / (denominator·m) ≤ 1/2.
        var pieces = checked(((2 * lambda.Numerator) + lambda.Denominator - 1) / lambda.Denominator);
        var a = (ulong)lambda.Numerator;
        var b = checked((ulong)lambda.Denominator * (ulong)pieces);
        long total = 0;
        for (long p = 0; p < pieces; p++)
        {
            total += SmallPoisson(a, b, random);
        }
        return total;
    }

    /// <summary>Poisson(a/b) for a/b ≤ 1/2, by the rejection described on the class.</summary>
    private static long SmallPoisson(ulong a, ulong b, ExactRandom random)
    {
        while (true)
        {
            // L: successes of Bernoulli(γ/k), k = 1, 2, ..., before the first failure.
            ulong k = 1;
            while (random.Bernoulli(a, checked(b * k)))
            {
                k++;
            }
            var l = k - 1;
            // Accept with probability (l+1)(b−a) / ((l+1)b − a).
            var numerator = checked((l + 1) * (b - a));
            var denominator = checked(((l + 1) * b) - a);
            if (random.Bernoulli(numerator, denominator))
            {
                return (long)l;
            }
        }
    }
}
