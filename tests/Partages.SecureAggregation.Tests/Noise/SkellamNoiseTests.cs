using Partages.SecureAggregation.Noise;

namespace Partages.SecureAggregation.Tests.Noise;

public sealed class SkellamNoiseTests
{
    // Tolerances are 5 standard errors of the estimator, so a correct sampler fails about once in 3.5 million runs.
    [TestCase(1, 10)]
    [TestCase(1, 2)]
    [TestCase(7, 3)]
    [TestCase(25, 1)]
    public void SamplePoisson_ManyDraws_MeanAndVarianceMatchLambda(long numerator, long denominator)
    {
        var lambda = new SkellamParameter(numerator, denominator);
        var random = new ExactRandom();
        const int draws = 40_000;
        var values = Enumerable.Range(0, draws).Select(_ => (double)SkellamNoise.SamplePoisson(lambda, random)).ToArray();

        var (mean, variance) = MeanAndVariance(values);

        // Var(mean) = λ/n; Var(sample variance) ≈ (λ + 2λ²)/n for a Poisson (fourth central moment λ + 3λ²).
        mean.Should().BeApproximately(lambda.Mu, 5 * Math.Sqrt(lambda.Mu / draws));
        variance.Should().BeApproximately(lambda.Mu, 5 * Math.Sqrt((lambda.Mu + (2 * lambda.Mu * lambda.Mu)) / draws));
        values.Should().OnlyContain(v => v >= 0);
    }

    [TestCase(3, 2)]
    [TestCase(40, 1)]
    public void Sample_ManyDraws_MeanZeroVarianceTwoMu(long numerator, long denominator)
    {
        var mu = new SkellamParameter(numerator, denominator);
        var random = new ExactRandom();
        const int draws = 20_000;
        var values = Enumerable.Range(0, draws).Select(_ => (double)SkellamNoise.Sample(mu, random)).ToArray();

        var (mean, variance) = MeanAndVariance(values);

        // Skellam(μ): variance 2μ, excess kurtosis 1/(2μ), so Var(sample variance) ≈ (2μ + 2(2μ)²)/n.
        mean.Should().BeApproximately(0, 5 * Math.Sqrt(mu.Variance / draws));
        variance.Should().BeApproximately(mu.Variance, 5 * Math.Sqrt((mu.Variance + (2 * mu.Variance * mu.Variance)) / draws));
        values.Should().Contain(v => v < 0).And.Contain(v => v > 0);
    }

    [Test]
    public void PerNodeShare_TSurvivors_SumToTheCohortsMu()
    {
        var total = new SkellamParameter(12, 1);

        var share = total.PerNodeShare(5);

        share.Should().Be(new SkellamParameter(12, 5));
        (share.Mu * 5).Should().BeApproximately(total.Mu, 1e-12);
    }

    [Test]
    public void AddTo_InvalidParameter_ThrowsListingEveryError()
    {
        var counts = new long[3];

        var act = () => SkellamNoise.AddTo(counts, new SkellamParameter(-1, 0), new ExactRandom());

        act.Should().Throw<ArgumentException>().WithMessage("*numerator -1 is negative*denominator 0 is below 1*");
    }

    [Test]
    public void Bernoulli_RationalProbability_FrequencyWithinTolerance()
    {
        var random = new ExactRandom();
        const int draws = 100_000;

        var hits = Enumerable.Range(0, draws).Count(_ => random.Bernoulli(3, 7));

        ((double)hits / draws).Should().BeApproximately(3.0 / 7, 5 * Math.Sqrt(3.0 / 7 * 4 / 7 / draws));
    }

    private static (double Mean, double Variance) MeanAndVariance(double[] values)
    {
        var mean = values.Average();
        var variance = values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1);
        return (mean, variance);
    }
}
