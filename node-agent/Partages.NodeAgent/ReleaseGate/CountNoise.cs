using System.Security.Cryptography;

namespace Partages.NodeAgent.ReleaseGate;

/// <summary>Noise added to a released count under differential privacy.</summary>
public interface ICountNoise
{
    /// <summary>An integer to add to one count, calibrated so that the released counts are ε-differentially private.</summary>
    /// <param name="epsilon">ε of this release.</param>
    /// <param name="sensitivity">L1 sensitivity of the whole vector of released counts to one document.</param>
    long Sample(double epsilon, int sensitivity);
}

/// <summary>
/// The discrete Laplace (two-sided geometric) mechanism of Ghosh, Roughgarden and Sundararajan (2009): noise
/// P(X = x) ∝ α^|x| with α = exp(−ε / Δ), the integer counterpart of Laplace noise of scale Δ / ε. Added to every
/// count of a vector whose L1 sensitivity is Δ, it gives ε-differential privacy; being integer, it needs no rounding
/// and avoids the floating-point weaknesses of a continuous Laplace sampler (Mironov 2012). X is drawn as the
/// difference of two geometric variables, each by inversion of a uniform from the operating system's CSPRNG: noise
/// anyone can reproduce from a seed protects nothing, so there is no seed.
/// </summary>
public sealed class DiscreteLaplaceNoise : ICountNoise
{
    public static DiscreteLaplaceNoise Instance { get; } = new();

    public long Sample(double epsilon, int sensitivity)
    {
        if (!(epsilon > 0) || double.IsInfinity(epsilon))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "ε must be a positive number.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(sensitivity, 1);
        var alpha = Math.Exp(-epsilon / sensitivity);
        return Geometric(alpha) - Geometric(alpha);
    }

    /// <summary>P(G = g) = (1 − α) α^g for g ≥ 0, as ⌊ln U / ln α⌋ with U uniform in (0, 1].</summary>
    private static long Geometric(double alpha)
    {
        if (alpha <= 0)
        {
            return 0;
        }

        var u = UniformOpenZero();
        var g = Math.Floor(Math.Log(u) / Math.Log(alpha));
        // A u so small that g overflows has probability below 2⁻⁵³; cap rather than wrap.
        return g >= long.MaxValue / 4 ? long.MaxValue / 4 : (long)g;
    }

    /// <summary>A uniform double in (0, 1] from 53 CSPRNG bits.</summary>
    private static double UniformOpenZero()
    {
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        var bits = BitConverter.ToUInt64(bytes) >> 11;
        return (bits + 1) / (double)(1UL << 53);
    }
}
