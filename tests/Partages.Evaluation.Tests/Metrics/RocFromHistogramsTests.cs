namespace Partages.Evaluation.Tests.Metrics;

public class RocFromHistogramsTests
{
    // Positives 0.8, 0.6, 0.6, 0.4; negatives 0.6, 0.3, 0.2. Pairs won: 0.8 → 3, each 0.6 → 2 + a tie, 0.4 → 2;
    // 2U = 2·(3 + 2 + 2 + 2) + 2 = 20 → AUROC = 20 / (2·4·3) = 5/6.
    // AP from the top: 0.8 → P 1/1, ΔR 1/4; 0.6 → P 3/4, ΔR 2/4; 0.4 → P 4/5, ΔR 1/4
    // → 1/4 + 3/8 + 1/5 = 0.825. scikit-learn 1.2.1 gives 0.8333333333333334 and 0.825 on the raw scores.
    private static readonly double[] SmallPositives = [0.8, 0.6, 0.6, 0.4];
    private static readonly double[] SmallNegatives = [0.6, 0.3, 0.2];

    [Test]
    public void Compute_HandWorkedExample_MatchesHandValuesAndScikitLearn()
    {
        var summary = RocFromHistograms.Compute(RawScores.Histogram(SmallPositives, SmallNegatives));

        summary.Positives.Should().Be(4);
        summary.Negatives.Should().Be(3);
        summary.Auroc.Should().BeApproximately(5.0 / 6, 1e-15);
        summary.AveragePrecision.Should().BeApproximately(0.825, 1e-15);
    }

    [Test]
    public void Curve_HandWorkedExample_IsScikitLearnsRocCurve()
    {
        // roc_curve(drop_intermediate=False): fpr [0, 0, 1/3, 1/3, 2/3, 1], tpr [0, .25, .75, 1, 1, 1],
        // thresholds [1.8 (max + 1; +inf in newer versions), 0.8, 0.6, 0.4, 0.3, 0.2].
        var curve = RocFromHistograms.Curve(RawScores.Histogram(SmallPositives, SmallNegatives));

        curve.Select(p => p.Threshold).Should().Equal(HistogramGrid.Linear.AboveEveryScore, 0.8, 0.6, 0.4, 0.3, 0.2);
        curve.Select(p => p.FalsePositiveRate).Should().Equal(0, 0, 1.0 / 3, 1.0 / 3, 2.0 / 3, 1);
        curve.Select(p => p.TruePositiveRate).Should().Equal(0, 0.25, 0.75, 1, 1, 1);
        HistogramGrid.Linear.AboveEveryScore.Should().Be(1.001);
    }

    [Test]
    public void Auroc_HanleyMcNeil1982RatingExample_IsThePublished0893()
    {
        // Hanley & McNeil (1982), Radiology 143:29–36, Table 1: CT ratings 1–5 of 58 normal and 51 abnormal
        // patients. Ratings are tied within a category, exactly the histogram's situation. Published area 0.893;
        // exactly 1321/1479 = 0.89317106152805947 (also scikit-learn's and pROC's value).
        var histogram = HanleyMcNeil();

        RocFromHistograms.Auroc(histogram).Should().BeApproximately(1321.0 / 1479, 1e-15);
        RocFromHistograms.AveragePrecision(histogram).Should().BeApproximately(0.8576399336817078, 1e-15, "scikit-learn 1.2.1");
    }

    [Test]
    public void Auroc_GridScores_EqualsBruteForceMannWhitney()
    {
        var random = new Random(20240611);
        for (var trial = 0; trial < 100; trial++)
        {
            var (positives, negatives) = RawScores.GridSample(random, random.Next(1, 120), random.Next(1, 120));
            var histogram = RawScores.Histogram(positives, negatives);

            RocFromHistograms.Auroc(histogram).Should().BeApproximately(RawScores.Auroc(positives, negatives), 1e-12);
            RocFromHistograms.AveragePrecision(histogram).Should().BeApproximately(RawScores.AveragePrecision(positives, negatives), 1e-12);
        }
    }

    [Test]
    public void Auroc_PooledFromRandomSplits_EqualsUnionExactly()
    {
        var random = new Random(1988);
        for (var trial = 0; trial < 200; trial++)
        {
            // Half the trials use raw doubles off the grid: pooling stays exact for the rounded scores.
            var onGrid = trial % 2 == 0;
            var (positives, negatives) = onGrid
                ? RawScores.GridSample(random, random.Next(2, 150), random.Next(2, 150))
                : ([.. Enumerable.Range(0, random.Next(2, 150)).Select(_ => Math.Sqrt(random.NextDouble()))],
                   [.. Enumerable.Range(0, random.Next(2, 150)).Select(_ => random.NextDouble())]);
            var sites = Enumerable.Range(0, random.Next(1, 7)).Select(_ => new ScoreHistogram(HistogramGrid.Linear)).ToArray();
            foreach (var x in positives)
            {
                sites[random.Next(sites.Length)].Add(x, isPositive: true);
            }

            foreach (var y in negatives)
            {
                sites[random.Next(sites.Length)].Add(y, isPositive: false);
            }

            var union = RawScores.Histogram(positives, negatives);
            var pooled = ScoreHistogram.Merge(HistogramGrid.Linear, sites.OrderBy(_ => random.Next()));

            pooled.HasSameCounts(union).Should().BeTrue();
            RocFromHistograms.Auroc(pooled).Should().Be(RocFromHistograms.Auroc(union));
            RocFromHistograms.AveragePrecision(pooled).Should().Be(RocFromHistograms.AveragePrecision(union));
            RocFromHistograms.Curve(pooled).Should().Equal(RocFromHistograms.Curve(union));
            DeLong.Estimate(pooled).Should().Be(DeLong.Estimate(union));
            if (onGrid)
            {
                RocFromHistograms.Auroc(pooled).Should().BeApproximately(RawScores.Auroc(positives, negatives), 1e-12);
            }
        }
    }

    [Test]
    public void Curve_TrapezoidalArea_EqualsAuroc()
    {
        var random = new Random(7);
        for (var trial = 0; trial < 20; trial++)
        {
            var (positives, negatives) = RawScores.GridSample(random, random.Next(1, 80), random.Next(1, 80));
            var histogram = RawScores.Histogram(positives, negatives);
            var curve = RocFromHistograms.Curve(histogram);

            var area = curve.Zip(curve.Skip(1), (a, b) => (b.FalsePositiveRate - a.FalsePositiveRate) * (a.TruePositiveRate + b.TruePositiveRate) / 2).Sum();

            area.Should().BeApproximately(RocFromHistograms.Auroc(histogram)!.Value, 1e-12);
            curve[0].Should().Be(new RocPoint(HistogramGrid.Linear.AboveEveryScore, 0, 0));
            curve[^1].FalsePositiveRate.Should().Be(1);
            curve[^1].TruePositiveRate.Should().Be(1);
        }
    }

    [Test]
    public void Compute_PerfectSeparation_GivesOne()
    {
        var summary = RocFromHistograms.Compute(RawScores.Histogram([0.9, 0.7], [0.2, 0.1, 0.69]));

        summary.Auroc.Should().Be(1);
        summary.AveragePrecision.Should().Be(1);
    }

    [Test]
    public void Compute_AllScoresTied_GivesOneHalfAndPrevalence()
    {
        var summary = RocFromHistograms.Compute(RawScores.Histogram([0.5, 0.5], [0.5, 0.5, 0.5, 0.5, 0.5, 0.5]));

        summary.Auroc.Should().Be(0.5);
        summary.AveragePrecision.Should().Be(0.25);
    }

    [Test]
    public void Compute_NoPositive_IsUndefined()
    {
        var summary = RocFromHistograms.Compute(RawScores.Histogram([], [0.2, 0.4]));

        summary.Auroc.Should().BeNull();
        summary.AveragePrecision.Should().BeNull();
        summary.Curve.Should().BeEmpty();
    }

    [Test]
    public void Compute_NoNegative_HasAveragePrecisionButNoAuroc()
    {
        var summary = RocFromHistograms.Compute(RawScores.Histogram([0.2, 0.4], []));

        summary.Auroc.Should().BeNull();
        summary.AveragePrecision.Should().Be(1);
        summary.Curve.Should().BeEmpty();
    }

    [Test]
    public void Auroc_CountsPastLongRange_StayExact()
    {
        // P · N = 2⁶⁴ overflows a long; the 128-bit numerator does not.
        var histogram = new ScoreHistogram(HistogramGrid.Linear);
        histogram.AddToBin(600, true, 1L << 32);
        histogram.AddToBin(600, false, 1L << 31);
        histogram.AddToBin(100, false, 1L << 31);

        RocFromHistograms.Auroc(histogram).Should().Be(0.75);
    }

    internal static ScoreHistogram HanleyMcNeil()
    {
        long[] normal = [33, 6, 6, 11, 2], abnormal = [3, 2, 2, 11, 33];
        var histogram = new ScoreHistogram(HistogramGrid.Linear);
        for (var rating = 0; rating < 5; rating++)
        {
            var bin = ScoreGrid.BinOf(0.1 + 0.2 * rating);
            histogram.AddToBin(bin, isPositive: false, normal[rating]);
            histogram.AddToBin(bin, isPositive: true, abnormal[rating]);
        }

        return histogram;
    }
}
