using Partages.SecureAggregation.Noise;
using Partages.SecureAggregation.Release;
using Partages.SecureAggregation.Tests.Protocol;

namespace Partages.SecureAggregation.Tests.Release;

public sealed class SumPlausibilityTests
{
    private static readonly SkellamParameter CohortMu = new(50, 1);

    [Test]
    public void Check_HonestNoisedSecureSum_Plausible()
    {
        var (sum, expected, variance) = RunNoisedConfusionMatrices(forgedShift: 0);

        SumPlausibility.Check(sum, [new CountGroup("confusion matrix", 0, 4, expected)], variance).Should().BeEmpty();
    }

    [Test]
    public void Check_OneNodeInflatesACell_Flagged()
    {
        var (sum, expected, variance) = RunNoisedConfusionMatrices(forgedShift: 5_000);

        SumPlausibility.Check(sum, [new CountGroup("confusion matrix", 0, 4, expected)], variance)
            .Should().ContainSingle().Which.Should().Contain("announced dataset sizes give");
    }

    [Test]
    public void Check_NegativeCellBeyondNoise_Flagged()
    {
        var problems = SumPlausibility.Check([100, -500, 50, 350], [new CountGroup("cm", 0, 4, 0)], noiseVariancePerCoordinate: 4);

        problems.Should().Contain(p => p.Contains("Count 1", StringComparison.Ordinal));
    }

    [Test]
    public void Check_GroupOutsideTheVector_Reported()
    {
        SumPlausibility.Check([1, 2], [new CountGroup("cm", 1, 4, 3)], 1).Should().ContainSingle().Which.Should().Contain("outside");
    }

    [Test]
    public void PerNodeShare_SumOfThresholdShares_HasTheCohortsVariance()
    {
        const int threshold = 4;
        const int draws = 20_000;
        var share = CohortMu.PerNodeShare(threshold);
        var random = new ExactRandom();

        var sums = Enumerable.Range(0, draws)
            .Select(_ => (double)Enumerable.Range(0, threshold).Sum(_ => SkellamNoise.Sample(share, random)))
            .ToArray();

        var mean = sums.Average();
        var variance = sums.Sum(v => (v - mean) * (v - mean)) / (draws - 1);
        variance.Should().BeApproximately(CohortMu.Variance, 5 * Math.Sqrt((CohortMu.Variance + (2 * CohortMu.Variance * CohortMu.Variance)) / draws));
    }

    /// <summary>Five sites release a 2×2 confusion matrix each with their Skellam share; returns the secure sum.</summary>
    private static (long[] Sum, long Expected, double Variance) RunNoisedConfusionMatrices(long forgedShift)
    {
        var random = new Random(31);
        using var cohort = CohortHarness.Create(5, 3, 4, random);
        var share = CohortMu.PerNodeShare(cohort.Parameters.Threshold);
        var noise = new ExactRandom();
        long expected = 0;
        foreach (var id in cohort.Ids)
        {
            var cells = Enumerable.Range(0, 4).Select(_ => random.NextInt64(0, 300)).ToArray();
            expected += cells.Sum();
            SkellamNoise.AddTo(cells, share, noise);
            cohort.Inputs[id] = cells;
        }
        cohort.Inputs["node-2"][1] += forgedShift;

        var result = cohort.Run();

        cohort.DisposeIdentities();
        // Every contributor added Skellam(μ/t): the sum's per-cell variance is 2μ·|U3|/t.
        return (result.Sum, expected, share.Variance * result.Contributors.Count);
    }
}
