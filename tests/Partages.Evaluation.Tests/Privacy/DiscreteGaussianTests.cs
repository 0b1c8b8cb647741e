using System.Collections.Concurrent;
using System.Numerics;

namespace Partages.Evaluation.Tests.Privacy;

public class DiscreteGaussianTests
{
    // 30 000 draws per σ²: enough for χ² to see a 1 % error in the mass at 0 (the rounded continuous Gaussian is off
    // by 10 % at σ² = ¼), a fraction of a second each.
    private const int Draws = 30_000;
    private static readonly ConcurrentDictionary<double, long[]> Samples = new();

    private static long[] SamplesOf(double sigmaSquared) => Samples.GetOrAdd(sigmaSquared, s =>
    {
        var bits = new SeededRandomBits(BitConverter.DoubleToUInt64Bits(s));
        var rational = Rational.RoundUp(s);
        return [.. Enumerable.Range(0, Draws).Select(_ => DiscreteGaussian.Sample(rational, bits))];
    });

    [TestCase(0.25)]
    [TestCase(1.0)]
    [TestCase(2.5)]
    [TestCase(95.23809523809524)]
    [TestCase(400.0)]
    public void Sample_SeededSource_MatchesTruePmfByChiSquare(double sigmaSquared)
    {
        var (statistic, df, critical) = Distributions.ChiSquare(SamplesOf(sigmaSquared), Distributions.DiscreteGaussian(sigmaSquared));

        TestContext.Out.WriteLine($"σ² = {sigmaSquared}: χ² = {statistic:F1} on {df} df (0.1 % critical value {critical:F1})");
        statistic.Should().BeLessThan(critical);
    }

    [Test]
    public void ChiSquare_RoundedContinuousGaussian_IsRejected()
    {
        // The check has power: rounding a continuous N(0, ¼) puts 68 % at 0 where N_Z(0, ¼) puts 78.7 %.
        var random = new Random(5);
        var rounded = Enumerable.Range(0, Draws)
            .Select(_ => (long)Math.Round(0.5 * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble())))
            .ToArray();

        var (statistic, _, critical) = Distributions.ChiSquare(rounded, Distributions.DiscreteGaussian(0.25));

        statistic.Should().BeGreaterThan(10 * critical);
    }

    [TestCase(0.25)]
    [TestCase(1.0)]
    [TestCase(2.5)]
    [TestCase(400.0)]
    public void Sample_SeededSource_MomentsMatchDiscreteGaussian(double sigmaSquared)
    {
        var samples = SamplesOf(sigmaSquared);
        var pmf = Distributions.DiscreteGaussian(sigmaSquared);
        var variance = Distributions.Variance(pmf);
        var mean = samples.Average(x => (double)x);
        var empiricalVariance = samples.Sum(x => (double)x * x) / samples.Length;

        // 4 standard errors: the mean's is √(var/n); the second moment's is √((μ4 − var²)/n).
        mean.Should().BeApproximately(0, 4 * Math.Sqrt(variance / Draws));
        empiricalVariance.Should().BeApproximately(variance, 4 * Math.Sqrt((Distributions.FourthMoment(pmf) - variance * variance) / Draws));
    }

    [Test]
    public void Sample_QuarterVariance_VarianceIsTheDiscreteOneBelowSigmaSquared()
    {
        // N_Z(0, ¼): p(±1)/p(0) = e^−2, p(±2)/p(0) = e^−8 → variance 2(e^−2 + 4e^−8)/(1 + 2e^−2 + 2e^−8) = 0.2150
        // (±3 and beyond add 2·9·e^−18/1.27 ≈ 2e−7),
        // over 10 standard errors (0.0024 here) below σ² = 0.25: the draws must land near 0.2150, not near σ².
        var e2 = Math.Exp(-2);
        var e8 = Math.Exp(-8);
        var exact = 2 * (e2 + 4 * e8) / (1 + 2 * e2 + 2 * e8);
        var samples = SamplesOf(0.25);

        Distributions.Variance(Distributions.DiscreteGaussian(0.25)).Should().BeApproximately(exact, 1e-6);
        exact.Should().BeApproximately(0.2150, 1e-4);
        (samples.Sum(x => (double)x * x) / samples.Length).Should().BeApproximately(exact, 0.012);
    }

    [TestCase(0.25)]
    [TestCase(1.0)]
    [TestCase(2.5)]
    [TestCase(400.0)]
    public void Sample_SeededSource_InsideTailBoundAndSymmetric(double sigmaSquared)
    {
        var samples = SamplesOf(sigmaSquared);
        var bound = Distributions.TailBound(Distributions.DiscreteGaussian(sigmaSquared), 1e-12);
        var positive = samples.Count(x => x > 0);
        var negative = samples.Count(x => x < 0);

        samples.Max(Math.Abs).Should().BeLessThan(bound, "P(|X| ≥ {0}) < 1e-12", bound);
        // Given a non-zero draw its sign is a fair coin: |pos − neg| within 4 sd of Binomial(pos + neg, ½).
        Math.Abs(positive - negative).Should().BeLessThan((int)(4 * Math.Sqrt(positive + negative)));
    }

    [TestCase(1, 2)]
    [TestCase(3, 2)]
    [TestCase(7, 1)]
    public void SampleDiscreteLaplace_SeededSource_MatchesTruePmfByChiSquare(int numerator, int denominator)
    {
        var bits = new SeededRandomBits((ulong)(numerator * 100 + denominator));
        var scale = new Rational(numerator, denominator);
        var samples = Enumerable.Range(0, Draws).Select(_ => DiscreteGaussian.SampleDiscreteLaplace(scale, bits)).ToArray();

        var (statistic, df, critical) = Distributions.ChiSquare(samples, Distributions.DiscreteLaplace((double)numerator / denominator));

        TestContext.Out.WriteLine($"Laplace scale {numerator}/{denominator}: χ² = {statistic:F1} on {df} df (critical {critical:F1})");
        statistic.Should().BeLessThan(critical);
    }

    [Test]
    public void Sample_CryptoSource_DrawsAPlausibleDiscreteGaussian()
    {
        var bits = new CryptoRandomBits();
        var sigmaSquared = Rational.RoundUp(4);

        var samples = Enumerable.Range(0, 4000).Select(_ => DiscreteGaussian.Sample(sigmaSquared, bits)).ToArray();

        // Loose bounds (a non-reproducible source must never fail by chance): mean within 6 se, variance within 25 %.
        samples.Average(x => (double)x).Should().BeApproximately(0, 6 * Math.Sqrt(4.0 / samples.Length));
        (samples.Sum(x => (double)x * x) / samples.Length).Should().BeInRange(3, 5);
        samples.Distinct().Count().Should().BeGreaterThan(10);
    }

    [Test]
    public void Sample_NonPositiveSigmaSquared_Throws()
    {
        var bits = new SeededRandomBits(1);

        FluentActions.Invoking(() => DiscreteGaussian.Sample(default, bits)).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => DiscreteGaussian.Sample(new Rational(0, 1), bits)).Should().Throw<ArgumentException>();
    }

    [TestCase(3, 2)]
    [TestCase(1, 3)]
    [TestCase(5, 1)]
    public void BernoulliExpMinus_RationalGamma_HasProbabilityExpMinusGamma(int numerator, int denominator)
    {
        var bits = new SeededRandomBits(11);
        const int trials = 40_000;

        var successes = Enumerable.Range(0, trials).Count(_ => DiscreteGaussian.BernoulliExpMinus(numerator, denominator, bits));

        var p = Math.Exp(-(double)numerator / denominator);
        ((double)successes / trials).Should().BeApproximately(p, 4 * Math.Sqrt(p * (1 - p) / trials));
    }

    [Test]
    public void IntegerSqrt_SmallAndHugeValues_IsTheFloor()
    {
        for (var n = 0; n < 2000; n++)
        {
            DiscreteGaussian.IntegerSqrt(n).Should().Be((int)Math.Floor(Math.Sqrt(n)));
        }

        var root = BigInteger.Pow(10, 40) + 12345;
        DiscreteGaussian.IntegerSqrt(root * root).Should().Be(root);
        DiscreteGaussian.IntegerSqrt(root * root - 1).Should().Be(root - 1);
    }

    [Test]
    public void UniformBelow_BoundBeyondOneWord_StaysBelowAndCoversTopHalf()
    {
        var bits = new SeededRandomBits(3);
        var bound = (BigInteger.One << 100) + 7;

        var draws = Enumerable.Range(0, 2000).Select(_ => DiscreteGaussian.UniformBelow(bound, bits)).ToArray();

        draws.Should().OnlyContain(d => d >= 0 && d < bound);
        draws.Count(d => d >= bound / 2).Should().BeInRange(900, 1100);
    }
}
