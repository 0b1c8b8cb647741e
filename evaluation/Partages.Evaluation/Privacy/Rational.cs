using System.Numerics;

namespace Partages.Evaluation.Privacy;

/// <summary>
/// A non-negative rational number <c>Numerator / Denominator</c> with arbitrary-precision parts: the form in which the
/// exact samplers take their parameters, so that no floating-point rounding enters the sampling path (a sampler that
/// rounds can leak through the pattern of its rounding errors, Mironov 2012).
/// </summary>
public readonly record struct Rational(BigInteger Numerator, BigInteger Denominator)
{
    /// <summary>The numerator, never negative.</summary>
    public BigInteger Numerator { get; } = Numerator.Sign >= 0
        ? Numerator
        : throw new ArgumentOutOfRangeException(nameof(Numerator), Numerator, "A privacy parameter is never negative.");

    /// <summary>The denominator, always positive.</summary>
    public BigInteger Denominator { get; } = Denominator.Sign > 0
        ? Denominator
        : throw new ArgumentOutOfRangeException(nameof(Denominator), Denominator, "A denominator must be positive.");

    /// <summary>
    /// The smallest rational with denominator <c>2^denominatorBits</c> that is ≥ <paramref name="value"/> (the
    /// denominator is kept as that power of two, not reduced). Rounding a noise variance up only adds privacy,
    /// so accounting done on <paramref name="value"/> stays valid for the noise actually drawn.
    /// The result is exact: multiplying a double by a power of two and taking its ceiling loses nothing.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative, NaN or infinite, or the bits outside 0–1100 (1074 already represents every double exactly).</exception>
    public static Rational RoundUp(double value, int denominatorBits = 32)
    {
        if (!double.IsFinite(value) || value < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "Only a finite, non-negative value can be a privacy parameter.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(denominatorBits);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(denominatorBits, 1100);

        // Split value = mantissa · 2^exponent with an integer mantissa (< 2^53), then ceil(mantissa · 2^(exponent+bits)).
        if (value == 0)
        {
            return new Rational(BigInteger.Zero, BigInteger.One << denominatorBits);
        }

        var raw = BitConverter.DoubleToInt64Bits(value);
        var biasedExponent = (int)((raw >> 52) & 0x7FF);
        var fraction = raw & 0xFFFFFFFFFFFFFL;
        var mantissa = biasedExponent == 0 ? fraction : fraction | (1L << 52);
        var exponent = (biasedExponent == 0 ? 1 : biasedExponent) - 1075;
        var shift = exponent + denominatorBits;
        BigInteger numerator;
        if (shift >= 0)
        {
            numerator = new BigInteger(mantissa) << shift;
        }
        else
        {
            var divisor = BigInteger.One << -shift;
            numerator = BigInteger.DivRem(mantissa, divisor, out var remainder);
            if (!remainder.IsZero)
            {
                numerator += 1;
            }
        }

        return new Rational(numerator, BigInteger.One << denominatorBits);
    }

    /// <summary>The same number with numerator and denominator divided by their greatest common divisor.</summary>
    public Rational Reduce()
    {
        var gcd = BigInteger.GreatestCommonDivisor(Numerator, Denominator);
        return gcd.IsOne || gcd.IsZero ? this : new Rational(Numerator / gcd, Denominator / gcd);
    }

    /// <summary>The value as a double (within one ulp), for accounting and display only: never fed back to a sampler.</summary>
    public double ToDouble()
    {
        if (Numerator.IsZero)
        {
            return 0;
        }

        // Scale so the integer quotient carries 64+ significant bits, then undo the scale exactly with ScaleB.
        var scale = (int)(Denominator.GetBitLength() - Numerator.GetBitLength()) + 66;
        var quotient = scale >= 0 ? (Numerator << scale) / Denominator : Numerator / (Denominator << -scale);
        return Math.ScaleB((double)quotient, -scale);
    }

    public override string ToString() => $"{Numerator}/{Denominator}";
}
