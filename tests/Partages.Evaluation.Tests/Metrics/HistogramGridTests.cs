namespace Partages.Evaluation.Tests.Metrics;

public class HistogramGridTests
{
    [Test]
    public void Logit_Layout_CoversOneInATrillionToOneMinusIt()
    {
        var grid = HistogramGrid.Logit;

        grid.Name.Should().Be("logit_v1");
        grid.Bins.Should().Be((2 * 12 * 83) + 2 + 36, "24 decades of odds at 83 bins, one bin below and one above, and the DP grid's 36 inner edges");
        grid.ValueOf(0).Should().Be(0);
        grid.BinOf(0).Should().Be(0);
        grid.BinOf(9e-13).Should().Be(0, "below 10⁻¹² every score ties");
        grid.BinOf(2e-12).Should().BeGreaterThan(0);
        grid.BinOf(1).Should().Be(grid.Bins - 1);
        grid.BinOf(1 - 2e-12).Should().BeLessThan(grid.Bins - 1);
        Enumerable.Range(1, grid.Bins - 1).Should().OnlyContain(b => grid.ValueOf(b) > grid.ValueOf(b - 1), "edges increase");
    }

    [Test]
    public void LogitOddsRatio_Literal_IsTenToTheOneOver83()
    {
        // Written as a literal so every node builds the same edges; it must still be the ratio the docs state.
        HistogramGrid.LogitOddsRatio.Should().BeApproximately(Math.Pow(10, 1.0 / HistogramGrid.LogitBinsPerDecade), 1e-15);
    }

    [Test]
    public void BinOf_RandomScores_IsMonotoneAndWithinItsBin()
    {
        var grid = HistogramGrid.Logit;
        var random = new Random(5);
        var scores = Enumerable.Range(0, 20_000).Select(_ => 1 / (1 + Math.Exp(-((random.NextDouble() * 70) - 35)))).Order().ToList();

        var bins = scores.Select(grid.BinOf).ToList();

        bins.Should().BeInAscendingOrder();
        for (var i = 0; i < scores.Count; i++)
        {
            scores[i].Should().BeGreaterThanOrEqualTo(grid.ValueOf(bins[i]));
            if (bins[i] + 1 < grid.Bins)
            {
                scores[i].Should().BeLessThan(grid.ValueOf(bins[i] + 1));
            }
        }
    }

    [Test]
    public void BinOf_NaN_IsRefusedAndOutOfRangeClamped()
    {
        FluentActions.Invoking(() => HistogramGrid.Logit.BinOf(double.NaN)).Should().Throw<ArgumentException>();
        HistogramGrid.Logit.BinOf(-0.5).Should().Be(0);
        HistogramGrid.Logit.BinOf(1.5).Should().Be(HistogramGrid.Logit.Bins - 1);
    }

    [Test]
    public void Coarsen_LogitHistogram_EqualsTheDpGridOfTheLinearOne()
    {
        // Under DP the release sums exact histograms into DpScoreGrid: the logit grid must give the very counts the
        // 0.001 grid gave, including scores right at the DP edges.
        var random = new Random(3);
        var edges = DpScoreGrid.Bins.Skip(1).Select(b => (b.FirstFineBin - 0.5) / ScoreGrid.Steps).ToList();
        var scores = Enumerable.Range(0, 20_000).Select(_ => random.NextDouble())
            .Concat(edges.SelectMany(e => new[] { e, Math.BitDecrement(e), Math.BitIncrement(e), e - 1e-9, e + 1e-9 }))
            .Concat([0, 1, 1e-15, 1 - 1e-15])
            .ToList();
        var linear = new ScoreHistogram(HistogramGrid.Linear);
        var logit = new ScoreHistogram(HistogramGrid.Logit);
        foreach (var score in scores)
        {
            linear.Add(score, isPositive: true);
            logit.Add(score, isPositive: true);
            HistogramGrid.Logit.DpCoarseBinOf(HistogramGrid.Logit.BinOf(score)).Should().Be(DpScoreGrid.CoarseBinOf(ScoreGrid.BinOf(score)), "score {0}", score);
        }

        HistogramGrid.Logit.Coarsen(logit.Positives).Should().Equal(DpScoreGrid.Coarsen(linear.Positives));
        HistogramGrid.Linear.Coarsen(linear.Positives).Should().Equal(DpScoreGrid.Coarsen(linear.Positives));
    }

    [Test]
    public void ByName_KnownAndUnknownNames_ResolveOrNull()
    {
        HistogramGrid.ByName(null).Should().BeSameAs(HistogramGrid.Linear, "documents older than the grid name are on the 0.001 grid");
        HistogramGrid.ByName("fine").Should().BeSameAs(HistogramGrid.Linear);
        HistogramGrid.ByName("logit_v1").Should().BeSameAs(HistogramGrid.Logit);
        HistogramGrid.ByName("dp_logit").Should().BeNull();
    }
}
