namespace Partages.Evaluation.Tests.Metrics;

public class DeLongTests
{
    [Test]
    public void Estimate_HandWorkedExample_MatchesHandValuesAndPRoc()
    {
        // Positives X = 0.8, 0.6, 0.6, 0.4 (m = 4); negatives Y = 0.6, 0.3, 0.2 (n = 3); A = 5/6.
        // V10 (share of negatives each positive beats, ties 1/2): 1, 5/6, 5/6, 2/3.
        // V01 (share of positives beating each negative): 0.6 → (1 + ½ + ½ + 0)/4 = 1/2; 0.3 → 1; 0.2 → 1.
        // S10 = ((1/6)² + 0 + 0 + (1/6)²) / 3 = 1/54;  S01 = ((1/3)² + (1/6)² + (1/6)²) / 2 = 1/12.
        // Var = S10/4 + S01/3 = 1/216 + 6/216 = 7/216 = 0.032407407…; SE = 0.1800206;
        // CI = 5/6 ± 1.959964 × 0.1800206 = [0.48050, 1.18617] → clipped [0.48050, 1].
        // pROC 1.18 (var(roc, method = "delong")): 0.032407407407407406, CI "0.4805-1".
        var estimate = DeLong.Estimate(RawScores.Histogram([0.8, 0.6, 0.6, 0.4], [0.6, 0.3, 0.2]))!;

        estimate.Auroc.Should().BeApproximately(5.0 / 6, 1e-15);
        estimate.Variance.Should().BeApproximately(7.0 / 216, 1e-15);
        estimate.StandardError.Should().BeApproximately(Math.Sqrt(7.0 / 216), 1e-15);
        estimate.Ci95.Lower.Should().BeApproximately(5.0 / 6 - ConfidenceInterval.Z95 * Math.Sqrt(7.0 / 216), 1e-15);
        estimate.Ci95.Lower.Should().BeApproximately(0.48050, 5e-6);
        estimate.Ci95.Upper.Should().Be(1, "the interval is clipped to [0, 1]");
    }

    [Test]
    public void Estimate_HanleyMcNeil1982RatingExample_MatchesPRoc()
    {
        // pROC 1.18 on the same ratings: var 0.00094398927026298452, 95% CI 0.833–0.9534.
        var estimate = DeLong.Estimate(RocFromHistogramsTests.HanleyMcNeil())!;

        estimate.Variance.Should().BeApproximately(0.00094398927026298452, 1e-15);
        estimate.Ci95.Lower.Should().BeApproximately(0.833, 5e-4);
        estimate.Ci95.Upper.Should().BeApproximately(0.9534, 5e-5);
    }

    [Test]
    public void Estimate_GridScores_EqualsBruteForceDeLongOnRawScores()
    {
        var random = new Random(44837);
        for (var trial = 0; trial < 100; trial++)
        {
            var (positives, negatives) = RawScores.GridSample(random, random.Next(2, 100), random.Next(2, 100));

            var estimate = DeLong.Estimate(RawScores.Histogram(positives, negatives))!;

            estimate.Variance.Should().BeApproximately(RawScores.DeLongVariance(positives, negatives), 1e-12);
            estimate.Auroc.Should().BeApproximately(RawScores.Auroc(positives, negatives), 1e-12);
        }
    }

    [Test]
    public void Estimate_PerfectSeparation_HasZeroVarianceAndPointInterval()
    {
        var estimate = DeLong.Estimate(RawScores.Histogram([0.9, 0.8], [0.1, 0.2]))!;

        estimate.Auroc.Should().Be(1);
        estimate.Variance.Should().Be(0);
        estimate.Ci95.Should().Be(new ConfidenceInterval(1, 1));
    }

    [Test]
    public void Estimate_BelowChanceWithFewDocuments_IsClippedAtZero()
    {
        var estimate = DeLong.Estimate(RawScores.Histogram([0.1, 0.3, 0.5], [0.4, 0.6, 0.2]))!;

        estimate.Ci95.Lower.Should().Be(0);
        estimate.Ci95.Upper.Should().BeLessThan(1);
    }

    [TestCase(1, 5)]
    [TestCase(5, 1)]
    [TestCase(0, 5)]
    public void Estimate_FewerThanTwoOnASide_IsUndefined(int positives, int negatives)
    {
        var histogram = RawScores.Histogram(Enumerable.Repeat(0.7, positives), Enumerable.Repeat(0.3, negatives));

        DeLong.Estimate(histogram).Should().BeNull();
    }
}
