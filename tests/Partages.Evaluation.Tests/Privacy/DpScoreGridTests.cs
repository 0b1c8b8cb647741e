namespace Partages.Evaluation.Tests.Privacy;

public class DpScoreGridTests
{
    private static double Logit(double p) => Math.Log(p / (1 - p));

    [Test]
    public void Bins_AFewDozen_PartitionTheFineGridInOrder()
    {
        var bins = DpScoreGrid.Bins;

        bins.Should().HaveCount(DpScoreGrid.Count).And.HaveCount(37);
        bins[0].FirstFineBin.Should().Be(0);
        bins[^1].LastFineBin.Should().Be(ScoreGrid.Steps);
        for (var i = 0; i < bins.Count; i++)
        {
            bins[i].FineBinCount.Should().BePositive();
            if (i > 0)
            {
                bins[i].FirstFineBin.Should().Be(bins[i - 1].LastFineBin + 1, "bins are contiguous, without gap or overlap");
            }
        }
    }

    [Test]
    public void CoarseBinOf_EveryFineBin_IsTheOneBinHoldingIt()
    {
        for (var k = 0; k <= ScoreGrid.Steps; k++)
        {
            var holders = DpScoreGrid.Bins.Select((b, i) => (b, i)).Where(p => p.b.FirstFineBin <= k && k <= p.b.LastFineBin).ToArray();
            holders.Should().ContainSingle();
            DpScoreGrid.CoarseBinOf(k).Should().Be(holders[0].i);
            if (k > 0)
            {
                DpScoreGrid.CoarseBinOf(k).Should().BeGreaterThanOrEqualTo(DpScoreGrid.CoarseBinOf(k - 1), "order is kept");
            }
        }
    }

    [Test]
    public void CoarseBinOf_MirroredFineBins_AreInMirroredCoarseBins()
    {
        for (var k = 0; k <= ScoreGrid.Steps; k++)
        {
            (DpScoreGrid.CoarseBinOf(k) + DpScoreGrid.CoarseBinOf(ScoreGrid.Steps - k)).Should().Be(DpScoreGrid.Count - 1);
        }
    }

    [Test]
    public void Bins_Ends_AreSingleFineBinsAndTheRestAreAboutEvenInLogit()
    {
        // The saturated scores 0.000 and 1.000 and the first few grid steps stay alone; away from the ends each bin
        // spans 0.25–0.6 in logit of its edges ((first − ½)/1000, (last + ½)/1000), the target being 0.4.
        DpScoreGrid.Bins.Take(5).Should().OnlyContain(b => b.FineBinCount == 1);
        DpScoreGrid.Bins.TakeLast(5).Should().OnlyContain(b => b.FineBinCount == 1);
        foreach (var bin in DpScoreGrid.Bins.Skip(5).SkipLast(5))
        {
            var width = Logit((bin.LastFineBin + 0.5) / 1000) - Logit((bin.FirstFineBin - 0.5) / 1000);
            width.Should().BeInRange(0.25, 0.6, "bin {0}", bin);
        }
    }

    [Test]
    public void Coarsen_FineHistogram_KeepsEveryCountInItsCoarseBin()
    {
        var fine = Enumerable.Range(0, ScoreGrid.Bins).Select(k => (long)(k * 7919 % 13)).ToArray();

        var coarse = DpScoreGrid.Coarsen(fine);

        coarse.Sum().Should().Be(fine.Sum());
        for (var i = 0; i < DpScoreGrid.Count; i++)
        {
            var bin = DpScoreGrid.Bins[i];
            coarse[i].Should().Be(fine.Skip(bin.FirstFineBin).Take(bin.FineBinCount).Sum());
        }
    }

    [Test]
    public void Coarsen_RocFromCoarseHistogram_KeepsTheOrderOfSeparatedScores()
    {
        // Scores in different coarse bins keep their order, so an AUROC of 1 on the fine grid stays 1.
        var positives = new long[ScoreGrid.Bins];
        var negatives = new long[ScoreGrid.Bins];
        positives[ScoreGrid.BinOf(0.97)] = 5;
        negatives[ScoreGrid.BinOf(0.2)] = 4;

        var auroc = NoisyRanking.Auroc(DpScoreGrid.Coarsen(positives), DpScoreGrid.Coarsen(negatives), 0);

        auroc.Estimate.Should().Be(1);
    }

    [Test]
    public void RepresentativeScore_EachBin_IsInsideItAndIncreasing()
    {
        var scores = Enumerable.Range(0, DpScoreGrid.Count).Select(DpScoreGrid.RepresentativeScore).ToArray();

        scores.Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        scores[0].Should().Be(0);
        scores[^1].Should().Be(1);
        for (var i = 0; i < scores.Length; i++)
        {
            scores[i].Should().BeInRange(DpScoreGrid.Bins[i].FirstFineBin / 1000.0, DpScoreGrid.Bins[i].LastFineBin / 1000.0);
        }
    }

    [Test]
    public void Coarsen_WrongLength_Throws() =>
        FluentActions.Invoking(() => DpScoreGrid.Coarsen(new long[10])).Should().Throw<ArgumentException>();
}
