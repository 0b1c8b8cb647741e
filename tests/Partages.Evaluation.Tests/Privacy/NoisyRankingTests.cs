namespace Partages.Evaluation.Tests.Privacy;

public class NoisyRankingTests
{
    [Test]
    public void Auroc_ExactCountsZeroVariance_IsMannWhitneyWithTiesHalf()
    {
        // Positives 1 in bin 1, 3 in bin 2; negatives 2 in bin 0, 1 in bin 1. Won pairs: 1·(2 + ½·1) + 3·3 = 11.5 of 12.
        var auroc = NoisyRanking.Auroc([0, 1, 3], [2, 1, 0], 0);

        auroc.Estimate.Should().BeApproximately(11.5 / 12, 1e-15);
    }

    [Test]
    public void Auroc_HanleyMcNeilRatings_IsThePublished0893()
    {
        // Hanley & McNeil (1982), Table 1 — the same example as RocFromHistogramsTests: 1321/1479.
        var auroc = NoisyRanking.Auroc([3, 2, 2, 11, 33], [33, 6, 6, 11, 2], 0);

        auroc.Estimate.Should().BeApproximately(1321.0 / 1479, 1e-15);
        auroc.CiLow.Should().BeLessThan(0.893);
        auroc.CiHigh.Should().BeGreaterThan(0.893);
    }

    [Test]
    public void Auroc_PositiveTotalUnderTwoNoiseSd_NotEstimable()
    {
        // 37 bins at σ² = 100: the total's noise sd is √3700 = 60.8; 100 positives are under 2 sd.
        var positives = new long[37];
        var negatives = new long[37];
        positives[36] = 100;
        negatives[0] = 1000;

        NoisyRanking.Auroc(positives, negatives, 100).Should().Be(NoisyInterval.NotEstimable);
        positives[36] = 130;
        NoisyRanking.Auroc(positives, negatives, 100).IsEstimable.Should().BeTrue();
    }

    [Test]
    public void Auroc_ManyEmptyNoisyBins_EstimateNotDraggedTowardsHalf()
    {
        // 300 positives in the top bin, 300 negatives in the bottom one, 35 empty bins between, σ² = 100. Clipping bin
        // by bin would add ≈ 4 phantom reports per empty bin to both sides and give ≈ 0.8; summing first does not.
        var sigmaSquared = Rational.RoundUp(100);
        var bits = new SeededRandomBits(4);
        double sum = 0;
        for (var release = 0; release < 30; release++)
        {
            var positives = Enumerable.Range(0, DpScoreGrid.Count).Select(b => (b == DpScoreGrid.Count - 1 ? 300 : 0) + DiscreteGaussian.Sample(sigmaSquared, bits)).ToArray();
            var negatives = Enumerable.Range(0, DpScoreGrid.Count).Select(b => (b == 0 ? 300 : 0) + DiscreteGaussian.Sample(sigmaSquared, bits)).ToArray();
            sum += NoisyRanking.Auroc(positives, negatives, 100, simulations: 100).Estimate!.Value;
        }

        (sum / 30).Should().BeGreaterThan(0.95);
    }

    [Test]
    public void Auroc_SameReleasedCounts_SameIntervalBitForBit()
    {
        long[] positives = [3, -2, 5, 11, 40], negatives = [30, 8, -1, 9, 4];

        var first = NoisyRanking.Auroc(positives, negatives, 9);
        var second = NoisyRanking.Auroc(positives, negatives, 9);
        var otherVariance = NoisyRanking.Auroc(positives, negatives, 10);

        second.Should().Be(first);
        otherVariance.CiLow.Should().NotBe(first.CiLow);
        first.CiLow.Should().BeLessThanOrEqualTo(first.Estimate!.Value);
        first.CiHigh.Should().BeGreaterThanOrEqualTo(first.Estimate!.Value).And.BeLessThanOrEqualTo(1);
    }

    [Test]
    public void Auroc_MismatchedBins_Throws() =>
        FluentActions.Invoking(() => NoisyRanking.Auroc([1, 2], [1, 2, 3], 1)).Should().Throw<ArgumentException>();
}
