namespace Partages.Evaluation.Tests.Metrics;

public class ScoreHistogramTests
{
    [Test]
    public void Add_Scores_CountsEachSideInItsBin()
    {
        var histogram = RawScores.Histogram([0.8, 0.6, 0.6004], [0.6, 0.2]);

        histogram.PositiveCount.Should().Be(3);
        histogram.NegativeCount.Should().Be(2);
        histogram.Positives[800].Should().Be(1);
        histogram.Positives[600].Should().Be(2);
        histogram.Negatives[600].Should().Be(1);
        histogram.Negatives[200].Should().Be(1);
        histogram.Positives.Should().HaveCount(ScoreGrid.Bins);
    }

    [Test]
    public void Merge_Sites_AddsBinByBin()
    {
        var siteA = RawScores.Histogram([0.9, 0.5], [0.1]);
        var siteB = RawScores.Histogram([0.5], [0.1, 0.5]);

        var merged = ScoreHistogram.Merge(HistogramGrid.Linear, [siteA, siteB]);

        merged.HasSameCounts(RawScores.Histogram([0.9, 0.5, 0.5], [0.1, 0.1, 0.5])).Should().BeTrue();
        merged.PositiveCount.Should().Be(3);
        merged.NegativeCount.Should().Be(3);
    }

    [Test]
    public void Merge_NoSite_IsEmpty() =>
        ScoreHistogram.Merge(HistogramGrid.Linear, []).HasSameCounts(new ScoreHistogram(HistogramGrid.Linear)).Should().BeTrue();

    [Test]
    public void FromCounts_ReleasedVectors_RoundTrip()
    {
        var original = RawScores.Histogram([0.9, 0.5, 0.5], [0.1]);

        var copy = ScoreHistogram.FromCounts(HistogramGrid.Linear, [.. original.Positives], [.. original.Negatives]);

        copy.HasSameCounts(original).Should().BeTrue();
        copy.PositiveCount.Should().Be(3);
    }

    [Test]
    public void FromCounts_WrongLengthOrNegativeCount_IsRefused()
    {
        var zeros = new long[ScoreGrid.Bins];
        var negative = new long[ScoreGrid.Bins];
        negative[7] = -1;

        FluentActions.Invoking(() => ScoreHistogram.FromCounts(HistogramGrid.Linear, new long[1000], zeros)).Should().Throw<InvalidDataException>();
        FluentActions.Invoking(() => ScoreHistogram.FromCounts(HistogramGrid.Linear, zeros, negative)).Should().Throw<InvalidDataException>().WithMessage("*bin 7*");
    }

    [Test]
    public void AddToBin_NegativeCountOrBinOffGrid_IsRefused()
    {
        var histogram = new ScoreHistogram(HistogramGrid.Linear);

        FluentActions.Invoking(() => histogram.AddToBin(3, true, -1)).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => histogram.AddToBin(ScoreGrid.Bins, true)).Should().Throw<ArgumentOutOfRangeException>();
    }

    [Test]
    public void AddToBin_Overflow_ThrowsRatherThanWraps()
    {
        var histogram = new ScoreHistogram(HistogramGrid.Linear);
        histogram.AddToBin(0, true, long.MaxValue);

        FluentActions.Invoking(() => histogram.AddToBin(0, true)).Should().Throw<OverflowException>();
    }
}

public class OneVsRestHistogramsTests
{
    [Test]
    public void Add_Document_IsPositiveForItsGoldClassAndNegativeForTheOthers()
    {
        var histograms = new OneVsRestHistograms(["a", "b", "c"]);

        histograms.Add(1, [0.2, 0.7, 0.1]);

        histograms.Grid.Should().Be(HistogramGrid.Exact, "exact releases count on the logit grid");
        histograms[1].Positives[histograms.Grid.BinOf(0.7)].Should().Be(1);
        histograms[0].Negatives[histograms.Grid.BinOf(0.2)].Should().Be(1);
        histograms[2].Negatives[histograms.Grid.BinOf(0.1)].Should().Be(1);
        histograms[0].PositiveCount.Should().Be(0);
    }

    [Test]
    public void Add_DocumentWithNaN_IsRefusedAndChangesNothing()
    {
        var histograms = new OneVsRestHistograms(["a", "b", "c"]);

        var act = () => histograms.Add(0, [0.5, 0.5, double.NaN]);

        act.Should().Throw<ArgumentException>();
        histograms[0].PositiveCount.Should().Be(0);
        histograms[1].NegativeCount.Should().Be(0);
    }

    [Test]
    public void Add_WrongNumberOfProbabilities_IsRefused()
    {
        var histograms = new OneVsRestHistograms(["a", "b"]);

        FluentActions.Invoking(() => histograms.Add(0, [1.0])).Should().Throw<ArgumentException>().WithMessage("*2 probabilities*");
    }

    [Test]
    public void Merge_SitesListingLabelsInAnotherOrder_MatchesByName()
    {
        var siteA = new OneVsRestHistograms(["a", "b"]);
        siteA.Add(0, [0.9, 0.1]);
        var siteB = new OneVsRestHistograms(["b", "a"]);
        siteB.Add(siteB.IndexOf("a"), [0.3, 0.7]);

        var pooled = OneVsRestHistograms.Merge(["a", "b"], [siteA, siteB]);

        var grid = pooled.Grid;
        pooled[0].Positives[grid.BinOf(0.9)].Should().Be(1);
        pooled[0].Positives[grid.BinOf(0.7)].Should().Be(1);
        pooled[1].Negatives[grid.BinOf(0.1)].Should().Be(1);
        pooled[1].Negatives[grid.BinOf(0.3)].Should().Be(1);
    }

    [Test]
    public void Merge_SiteWithOtherLabels_IsRefused()
    {
        var act = () => OneVsRestHistograms.Merge(["a", "b"], [new OneVsRestHistograms(["a", "x"])]);

        act.Should().Throw<InvalidDataException>().WithMessage("*[a, x]*");
    }
}
