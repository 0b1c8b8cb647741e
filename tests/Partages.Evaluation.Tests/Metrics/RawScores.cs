namespace Partages.Evaluation.Tests.Metrics;

/// <summary>
/// Reference implementations on raw (positive, negative) score lists, written the slow, obvious way — pairs
/// and sorted thresholds — so the histogram code is checked against the definitions rather than against itself.
/// </summary>
internal static class RawScores
{
    /// <summary>Mann–Whitney over every (positive, negative) pair, a tie counting 1/2.</summary>
    public static double Auroc(IReadOnlyList<double> positives, IReadOnlyList<double> negatives)
    {
        long wins = 0, ties = 0;
        foreach (var x in positives)
        {
            foreach (var y in negatives)
            {
                if (x > y)
                {
                    wins++;
                }
                else if (x == y)
                {
                    ties++;
                }
            }
        }

        return (wins + 0.5 * ties) / ((double)positives.Count * negatives.Count);
    }

    /// <summary>DeLong 1988 on raw scores: one structural component per document, sample variances.</summary>
    public static double DeLongVariance(IReadOnlyList<double> positives, IReadOnlyList<double> negatives)
    {
        static double Psi(double x, double y) => x > y ? 1 : x == y ? 0.5 : 0;
        var auroc = Auroc(positives, negatives);
        var v10 = positives.Select(x => negatives.Average(y => Psi(x, y))).ToList();
        var v01 = negatives.Select(y => positives.Average(x => Psi(x, y))).ToList();
        var s10 = v10.Sum(v => (v - auroc) * (v - auroc)) / (positives.Count - 1);
        var s01 = v01.Sum(v => (v - auroc) * (v - auroc)) / (negatives.Count - 1);
        return s10 / positives.Count + s01 / negatives.Count;
    }

    /// <summary>scikit-learn's average_precision_score: distinct thresholds from the top, Σ (Rₙ − Rₙ₋₁) Pₙ.</summary>
    public static double AveragePrecision(IReadOnlyList<double> positives, IReadOnlyList<double> negatives)
    {
        double ap = 0, previousRecall = 0;
        foreach (var threshold in positives.Concat(negatives).Distinct().OrderDescending())
        {
            var tp = positives.Count(x => x >= threshold);
            var fp = negatives.Count(y => y >= threshold);
            var recall = (double)tp / positives.Count;
            ap += (recall - previousRecall) * tp / (tp + fp);
            previousRecall = recall;
        }

        return ap;
    }

    /// <summary>The histogram of raw scores, on the 0.001 grid unless <paramref name="grid"/> says otherwise.</summary>
    public static ScoreHistogram Histogram(IEnumerable<double> positives, IEnumerable<double> negatives, HistogramGrid? grid = null)
    {
        var histogram = new ScoreHistogram(grid ?? HistogramGrid.Linear);
        foreach (var x in positives)
        {
            histogram.Add(x, isPositive: true);
        }

        foreach (var y in negatives)
        {
            histogram.Add(y, isPositive: false);
        }

        return histogram;
    }

    /// <summary>
    /// Grid-valued scores k / 1000 from a few clustered ranges, so ties within a bin and across classes are
    /// common, positives scoring higher on average.
    /// </summary>
    public static (List<double> Positives, List<double> Negatives) GridSample(Random random, int positives, int negatives)
    {
        double Draw(int low, int high) => ScoreGrid.ValueOf(random.Next(3) == 0 ? random.Next(low, high) / 50 * 50 : random.Next(low, high));
        return ([.. Enumerable.Range(0, positives).Select(_ => Draw(250, ScoreGrid.Bins))],
                [.. Enumerable.Range(0, negatives).Select(_ => Draw(0, 750))]);
    }
}
