using Partages.Evaluation.Metrics;
using Partages.NodeAgent.ReleaseGate;

namespace Partages.NodeAgent.Tests.ReleaseGate;

public sealed class HistogramBinMergingTests
{
    [Test]
    public void Merge_SmallBins_MovedIntoTheirGroupsMeanBinWithTotalsKept()
    {
        var positives = new long[10];
        var negatives = new long[10];
        positives[1] = 2; negatives[1] = 1;
        positives[2] = 3; negatives[2] = 4;
        positives[8] = 9; negatives[8] = 0;

        var merged = HistogramBinMerging.Merge(positives, negatives, k: 5)!;

        // Bins 1 and 2 form a group of 5 positives and 5 negatives; its mean bin is (1·3 + 2·7) / 10 = 1.7 → 2.
        merged.Positives.Should().Equal(0, 0, 5, 0, 0, 0, 0, 0, 9, 0);
        merged.Negatives.Should().Equal(0, 0, 5, 0, 0, 0, 0, 0, 0, 0);
        merged.MovedBins.Should().Be(1);
    }

    [Test]
    public void Merge_LeftoverAtTheTop_FoldedIntoTheGroupBelow()
    {
        var positives = new long[6] { 5, 0, 0, 0, 0, 2 };
        var negatives = new long[6] { 6, 0, 0, 0, 0, 0 };

        var merged = HistogramBinMerging.Merge(positives, negatives, k: 5)!;

        merged.Positives.Sum().Should().Be(7);
        merged.Negatives.Sum().Should().Be(6);
        merged.Positives.Should().OnlyContain(n => n == 0 || n >= 5);
    }

    [Test]
    public void Merge_ASideWhoseTotalIsUnderK_IsNotReleasable()
    {
        var positives = new long[4] { 0, 3, 0, 0 };
        var negatives = new long[4] { 10, 0, 20, 0 };

        HistogramBinMerging.Merge(positives, negatives, k: 5).Should().BeNull();
    }

    [Test]
    public void Merge_RandomHistograms_TotalsKeptEveryCellZeroOrAtLeastKAndGroupsInOrder([Values(1, 2, 3, 4, 5, 6, 7, 8)] int seed)
    {
        var random = new Random(seed);
        var k = random.Next(2, 12);
        var positives = new long[ScoreGrid.Bins];
        var negatives = new long[ScoreGrid.Bins];
        for (var i = 0; i < 400; i++)
        {
            var bin = (int)(random.NextDouble() * random.NextDouble() * ScoreGrid.Bins);
            (random.Next(3) == 0 ? positives : negatives)[bin]++;
        }

        positives[0] += k; // both sides reach k in total

        var merged = HistogramBinMerging.Merge(positives, negatives, k)!;

        merged.Positives.Sum().Should().Be(positives.Sum());
        merged.Negatives.Sum().Should().Be(negatives.Sum());
        merged.Positives.Concat(merged.Negatives).Should().OnlyContain(n => n == 0 || n >= k);
        // Groups keep their order, so only pairs inside a group become ties: AUROC barely moves.
        var original = ScoreHistogram.FromCounts(positives, negatives);
        var released = ScoreHistogram.FromCounts(merged.Positives, merged.Negatives);
        RocFromHistograms.Auroc(released).Should().NotBeNull();
        Math.Abs(RocFromHistograms.Auroc(released)!.Value - RocFromHistograms.Auroc(original)!.Value).Should().BeLessThan(0.05);
    }
}
