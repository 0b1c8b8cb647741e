using Partages.NodeAgent.ReleaseGate;

namespace Partages.NodeAgent.Tests.ReleaseGate;

public sealed class DiscreteLaplaceNoiseTests
{
    [TestCase(1.0, 1)]
    [TestCase(0.5, 1)]
    [TestCase(1.0, 3)]
    public void Sample_ManyDraws_CentredWithTheDiscreteLaplaceVariance(double epsilon, int sensitivity)
    {
        const int draws = 40_000;
        var alpha = Math.Exp(-epsilon / sensitivity);
        var expectedVariance = 2 * alpha / ((1 - alpha) * (1 - alpha));
        var samples = Enumerable.Range(0, draws).Select(_ => (double)DiscreteLaplaceNoise.Instance.Sample(epsilon, sensitivity)).ToArray();

        var mean = samples.Average();
        var variance = samples.Select(x => (x - mean) * (x - mean)).Sum() / (draws - 1);
        var zeroShare = samples.Count(x => x == 0) / (double)draws;

        // Bounds at more than five standard errors: a correct sampler fails them with negligible probability.
        mean.Should().BeApproximately(0, 6 * Math.Sqrt(expectedVariance / draws));
        variance.Should().BeApproximately(expectedVariance, 0.08 * expectedVariance);
        zeroShare.Should().BeApproximately((1 - alpha) / (1 + alpha), 0.02);
    }

    [Test]
    public void Sample_TwoRuns_DrawDifferentNoise()
    {
        // Nothing seeds the sampler: the noise of one release cannot be replayed to subtract it.
        var first = Enumerable.Range(0, 64).Select(_ => DiscreteLaplaceNoise.Instance.Sample(0.1, 1)).ToArray();
        var second = Enumerable.Range(0, 64).Select(_ => DiscreteLaplaceNoise.Instance.Sample(0.1, 1)).ToArray();

        first.Should().NotEqual(second);
    }

    [Test]
    public void Sample_InvalidEpsilon_Throws()
    {
        var act = () => DiscreteLaplaceNoise.Instance.Sample(0, 1);

        act.Should().Throw<ArgumentOutOfRangeException>();
    }
}
