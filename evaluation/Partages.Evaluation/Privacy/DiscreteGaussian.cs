using System.Numerics;

namespace Partages.Evaluation.Privacy;

/// <summary>
/// Exact samplers of Canonne, Kamath and Steinke, "The Discrete Gaussian for Differential Privacy" (NeurIPS 2020),
/// Section 5: Bernoulli(exp(−γ)) for rational γ (their Algorithm 1), the discrete Laplace (Algorithm 2) and the
/// discrete Gaussian by rejection from it (Algorithm 3). Every step is integer arithmetic on <see cref="BigInteger"/>
/// rationals fed by uniform random words, so the output distribution is exactly the stated one: no floating point
/// in the sampling path, hence none of the rounding artefacts through which a floating-point Gaussian or Laplace
/// can leak its input (Mironov, CCS 2012). Run time is random (rejection), with a small constant expectation;
/// that timing depends on σ² and the random words, not on the count being protected.
/// </summary>
public static class DiscreteGaussian
{
    /// <summary>
    /// One draw of N_Z(0, σ²): P(x) ∝ exp(−x²/(2σ²)) over the integers (CKS Algorithm 3). Added to a count
    /// vector of L2 sensitivity Δ₂ it gives Δ₂²/(2σ²)-zCDP (CKS Theorem 14).
    /// </summary>
    /// <exception cref="ArgumentException">σ² is not positive (includes a default <see cref="Rational"/>).</exception>
    public static long Sample(Rational sigmaSquared, IRandomBits bits)
    {
        ArgumentNullException.ThrowIfNull(bits);
        var (n, d) = Positive(sigmaSquared, nameof(sigmaSquared));

        // t = ⌊σ⌋ + 1; ⌊√(n/d)⌋ = ⌊√⌊n/d⌋⌋ for integers, so no irrational number is ever formed.
        var t = IntegerSqrt(n / d) + 1;
        // γ(y) = (|y| − σ²/t)² / (2σ²) = (|y|·d·t − n)² / (2·n·d·t²).
        var gammaDenominator = 2 * n * d * t * t;
        var dt = d * t;
        while (true)
        {
            var y = Laplace(t, BigInteger.One, bits);
            var gap = BigInteger.Abs(y) * dt - n;
            if (BernoulliExpMinus(gap * gap, gammaDenominator, bits))
            {
                return checked((long)y);
            }
        }
    }

    /// <summary>
    /// One draw of the discrete Laplace with the given scale: P(x) ∝ exp(−|x|/scale) over the integers (CKS Algorithm 2).
    /// </summary>
    /// <exception cref="ArgumentException">The scale is not positive.</exception>
    public static long SampleDiscreteLaplace(Rational scale, IRandomBits bits)
    {
        ArgumentNullException.ThrowIfNull(bits);
        var (t, s) = Positive(scale, nameof(scale));
        return checked((long)Laplace(t, s, bits));
    }

    /// <summary>Lap_Z(t/s) for integers s, t ≥ 1, exactly as CKS Algorithm 2.</summary>
    private static BigInteger Laplace(BigInteger t, BigInteger s, IRandomBits bits)
    {
        while (true)
        {
            var u = UniformBelow(t, bits);
            if (!BernoulliExpMinus(u, t, bits))
            {
                continue;
            }

            // V ~ Geometric(1 − e^{−1}) by counting successes of Bernoulli(e^{−1}).
            var v = BigInteger.Zero;
            while (BernoulliExpMinus(BigInteger.One, BigInteger.One, bits))
            {
                v += 1;
            }

            var x = u + t * v;
            var y = x / s;
            var negative = (bits.NextUInt64() & 1) == 1;
            if (negative && y.IsZero)
            {
                // Without this rejection 0 would be drawn twice as often as it should.
                continue;
            }

            return negative ? -y : y;
        }
    }

    /// <summary>Bernoulli(exp(−γ)) for γ = num/den ≥ 0 (CKS Algorithm 1).</summary>
    internal static bool BernoulliExpMinus(BigInteger numerator, BigInteger denominator, IRandomBits bits)
    {
        if (numerator <= denominator)
        {
            return BernoulliExpMinusAtMostOne(numerator, denominator, bits);
        }

        // exp(−γ) = exp(−1)^⌊γ⌋ · exp(−(γ − ⌊γ⌋)): one Bernoulli(e^{−1}) per unit, stopping at the first failure.
        var whole = BigInteger.DivRem(numerator, denominator, out var remainder);
        for (var k = BigInteger.Zero; k < whole; k += 1)
        {
            if (!BernoulliExpMinusAtMostOne(BigInteger.One, BigInteger.One, bits))
            {
                return false;
            }
        }

        return BernoulliExpMinusAtMostOne(remainder, denominator, bits);
    }

    /// <summary>
    /// Bernoulli(exp(−γ)) for γ ∈ [0, 1]: draw A_k ~ Bernoulli(γ/k) for k = 1, 2, … until the first failure at K;
    /// P(K is odd) = exp(−γ) (the alternating series of the exponential, CKS Algorithm 1).
    /// </summary>
    private static bool BernoulliExpMinusAtMostOne(BigInteger numerator, BigInteger denominator, IRandomBits bits)
    {
        var k = BigInteger.One;
        while (Bernoulli(numerator, denominator * k, bits))
        {
            k += 1;
        }

        return !k.IsEven;
    }

    /// <summary>Bernoulli(num/den) for 0 ≤ num ≤ den: a uniform integer below den compared with num.</summary>
    private static bool Bernoulli(BigInteger numerator, BigInteger denominator, IRandomBits bits) =>
        UniformBelow(denominator, bits) < numerator;

    /// <summary>A uniform integer in [0, bound), bound ≥ 1, by rejection of the smallest power-of-two range that holds it.</summary>
    internal static BigInteger UniformBelow(BigInteger bound, IRandomBits bits)
    {
        var bitLength = (int)(bound - 1).GetBitLength();
        if (bitLength == 0)
        {
            return BigInteger.Zero;
        }

        if (bitLength <= 64)
        {
            // Fast path, no allocation: most parameters fit in one word.
            var limit = (ulong)(bound - 1);
            while (true)
            {
                var candidate = bits.NextUInt64() >> (64 - bitLength);
                if (candidate <= limit)
                {
                    return candidate;
                }
            }
        }

        var words = (bitLength + 63) / 64;
        Span<byte> buffer = stackalloc byte[words * 8];
        var topBits = bitLength - (words - 1) * 64;
        while (true)
        {
            for (var w = 0; w < words; w++)
            {
                var word = bits.NextUInt64();
                if (w == words - 1)
                {
                    word >>= 64 - topBits;
                }

                System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(buffer.Slice(w * 8, 8), word);
            }

            var candidate = new BigInteger(buffer, isUnsigned: true, isBigEndian: false);
            if (candidate < bound)
            {
                return candidate;
            }
        }
    }

    private static (BigInteger Numerator, BigInteger Denominator) Positive(Rational value, string name)
    {
        if (value.Denominator.Sign <= 0 || value.Numerator.Sign <= 0)
        {
            throw new ArgumentException($"The parameter must be a positive rational; got {value.Numerator}/{value.Denominator}.", name);
        }

        // Reducing changes nothing in the distribution and keeps the integers small, hence the fast path.
        var reduced = value.Reduce();
        return (reduced.Numerator, reduced.Denominator);
    }

    /// <summary>⌊√n⌋ for n ≥ 0 by Newton's iteration on integers.</summary>
    internal static BigInteger IntegerSqrt(BigInteger n)
    {
        if (n < 2)
        {
            return n;
        }

        var x = BigInteger.One << (int)((n.GetBitLength() + 1) / 2);
        while (true)
        {
            var y = (x + n / x) >> 1;
            if (y >= x)
            {
                return x;
            }

            x = y;
        }
    }
}
