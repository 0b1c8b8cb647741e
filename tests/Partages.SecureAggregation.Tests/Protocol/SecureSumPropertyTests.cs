using Partages.SecureAggregation.Protocol;

namespace Partages.SecureAggregation.Tests.Protocol;

public sealed class SecureSumPropertyTests
{
    /// <summary>
    /// Random cohorts (n in 3..20, t in (n/2, n]), random vectors, and random dropouts at every round, at most n − t in
    /// all: the unmasked sum is the plain sum of the survivors' vectors, bit for bit.
    /// </summary>
    [Test]
    public void Run_RandomCohortsAndDropouts_SumEqualsPlainSumOfSurvivors([Range(0, 39)] int seed)
    {
        var random = new Random(seed);
        var n = random.Next(3, 21);
        var t = random.Next((n / 2) + 1, n + 1);
        using var cohort = CohortHarness.Create(n, t, random.Next(1, 40), random);
        var budget = random.Next(0, n - t + 1);
        var dropped = cohort.Ids.OrderBy(_ => random.Next()).Take(budget).ToList();
        var rounds = Enumerable.Range(0, 4).Select(_ => new List<string>()).ToArray();
        foreach (var id in dropped)
        {
            rounds[random.Next(4)].Add(id);
        }

        var result = cohort.Run(rounds[0], rounds[1], rounds[2], rounds[3]);

        var survivors = cohort.Ids.Except(rounds[0]).Except(rounds[1]).Order(StringComparer.Ordinal).ToList();
        result.Contributors.Should().Equal(survivors);
        result.LeftOut.Should().BeEquivalentTo(rounds[0]);
        result.DroppedAfterSharing.Should().BeEquivalentTo(rounds[1]);
        result.Sum.Should().Equal(cohort.PlainSum(survivors));
        cohort.DisposeIdentities();
    }

    [Test]
    public void Run_NodeDropsAfterSharingBeforeMasking_SumUnmaskedFromShares()
    {
        using var cohort = CohortHarness.Create(5, 3, 8, new Random(1));

        var result = cohort.Run(beforeMasking: ["node-2", "node-4"]);

        result.DroppedAfterSharing.Should().Equal("node-2", "node-4");
        result.Sum.Should().Equal(cohort.PlainSum(["node-1", "node-3", "node-5"]));
        cohort.DisposeIdentities();
    }

    [Test]
    public void Run_SurvivorsDropDuringUnmasking_StillUnmasksWithTResponses()
    {
        using var cohort = CohortHarness.Create(6, 4, 10, new Random(2));

        var result = cohort.Run(beforeMasking: ["node-6"], beforeUnmasking: ["node-1"]);

        result.Contributors.Should().Equal("node-1", "node-2", "node-3", "node-4", "node-5");
        result.Sum.Should().Equal(cohort.PlainSum(result.Contributors));
        cohort.DisposeIdentities();
    }

    [Test]
    public void Run_ExtremeCountsThatWrapTheRing_StillSumExactly()
    {
        using var cohort = CohortHarness.Create(3, 2, 2, new Random(3));
        cohort.Inputs["node-1"] = [(1L << 61) + 5, -(1L << 61)];
        cohort.Inputs["node-2"] = [(1L << 61) - 9, -(1L << 61)];
        cohort.Inputs["node-3"] = [-(1L << 61), 1L << 61];

        var result = cohort.Run();

        result.Sum.Should().Equal((1L << 61) - 4, -(1L << 61));
        cohort.DisposeIdentities();
    }

    [Test]
    public void Finish_SumOverflowsTheDecodeBound_FailsWithoutASum()
    {
        using var cohort = CohortHarness.Create(3, 2, 1, new Random(4));
        foreach (var id in cohort.Ids)
        {
            cohort.Inputs[id] = [1L << 61];
        }

        var act = () => cohort.Run();

        act.Should().Throw<SecureAggregationException>().Where(e => e.Code == RefusalCode.SumOutOfRange);
        cohort.Server.Round.Should().Be(AggregationServer.ServerRound.Failed);
        cohort.DisposeIdentities();
    }
}
