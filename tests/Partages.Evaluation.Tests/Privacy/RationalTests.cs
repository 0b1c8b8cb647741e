using System.Numerics;

namespace Partages.Evaluation.Tests.Privacy;

public class RationalTests
{
    [TestCase(0.25, 1073741824L)]
    [TestCase(400.0, 1717986918400L)]
    [TestCase(2.5, 10737418240L)]
    public void RoundUp_DyadicValue_IsExact(double value, long numerator)
    {
        var rational = Rational.RoundUp(value);

        rational.Should().Be(new Rational(numerator, BigInteger.One << 32));
        rational.ToDouble().Should().Be(value);
    }

    [TestCase(0.1)]
    [TestCase(95.23809523809524)]
    [TestCase(1e-12)]
    [TestCase(123456.789)]
    public void RoundUp_NonDyadicValue_IsSmallestGridValueAtOrAbove(double value)
    {
        var rational = Rational.RoundUp(value);
        // Every double is an exact multiple of 2^-1074, so 1100 bits represent it exactly for comparison.
        var exact = Rational.RoundUp(value, 1100);
        var scale = BigInteger.One << (1100 - 32);

        rational.Denominator.Should().Be(BigInteger.One << 32);
        (rational.Numerator * scale).Should().BeGreaterThanOrEqualTo(exact.Numerator, "rounding σ² up only adds privacy");
        ((rational.Numerator - 1) * scale).Should().BeLessThan(exact.Numerator, "and it is the smallest such value");
    }

    [Test]
    public void RoundUp_Negative_Throws()
    {
        var act = () => Rational.RoundUp(-1);

        act.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Test]
    public void Constructor_ZeroDenominator_Throws()
    {
        var act = () => new Rational(BigInteger.One, BigInteger.Zero);

        act.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Test]
    public void ToDouble_HugeParts_DoesNotOverflow()
    {
        var third = new Rational(BigInteger.Pow(10, 400), 3 * BigInteger.Pow(10, 400));

        third.ToDouble().Should().BeApproximately(1.0 / 3, 1e-16);
        third.Reduce().Should().Be(new Rational(1, 3));
    }
}
