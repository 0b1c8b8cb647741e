namespace Partages.Evaluation.Metrics;

/// <summary>
/// One point of a ROC curve: the rates obtained by calling positive every document scored at least
/// <see cref="Threshold"/>.
/// </summary>
public sealed record RocPoint(double Threshold, double FalsePositiveRate, double TruePositiveRate);

/// <summary>
/// Ranking metrics of one class against the rest. <see cref="Auroc"/> and <see cref="AveragePrecision"/> are
/// <c>null</c> when not defined (no positive, or for AUROC no negative), and <see cref="Curve"/> is then empty.
/// </summary>
public sealed record RocSummary(long Positives, long Negatives, double? Auroc, double? AveragePrecision, IReadOnlyList<RocPoint> Curve);

/// <summary>
/// AUROC, average precision and the ROC curve, computed from a <see cref="ScoreHistogram"/> alone. Documents
/// in the same bin are tied: this is exactly what scikit-learn computes on the scores as binned, and within
/// <see cref="AurocTieBound"/> of what it computes on the raw scores (docs/metrics.md gives the measured error).
/// </summary>
public static class RocFromHistograms
{
    public static RocSummary Compute(ScoreHistogram histogram)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        return new RocSummary(
            histogram.PositiveCount,
            histogram.NegativeCount,
            Auroc(histogram),
            AveragePrecision(histogram),
            Curve(histogram));
    }

    /// <summary>
    /// The Mann–Whitney AUROC: the probability that a random positive outscores a random negative, a tie
    /// counting 1/2. Per bin, every positive beats the negatives of the lower bins and ties those of its own:
    /// <c>AUROC = Σₖ pos[k] · (neg[&lt;k] + neg[k]/2) / (P · N)</c>. The numerator is accumulated doubled, as an
    /// integer, so the only rounding is the final division. <c>null</c> when P = 0 or N = 0 (scikit-learn raises).
    /// </summary>
    public static double? Auroc(ScoreHistogram histogram)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        long p = histogram.PositiveCount, n = histogram.NegativeCount;
        return p == 0 || n == 0 ? null : (double)TwiceMannWhitneyU(histogram) / (2.0 * p * n);
    }

    /// <summary>
    /// How far <see cref="Auroc"/> can be from the AUROC of the raw scores, whatever they were: only a positive and a
    /// negative in the same bin can be ordered differently from how the histogram counts them (½), and such a pair
    /// moves the raw AUROC by at most ½ / (P · N). So <c>|grid − raw| ≤ Σₖ pos[k] · neg[k] / (2 · P · N)</c>, a
    /// guaranteed bound computed from the released counts alone. <c>null</c> when AUROC is.
    /// </summary>
    public static double? AurocTieBound(ScoreHistogram histogram)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        long p = histogram.PositiveCount, n = histogram.NegativeCount;
        if (p == 0 || n == 0)
        {
            return null;
        }

        Int128 tiedPairs = 0;
        for (var bin = 0; bin < histogram.Grid.Bins; bin++)
        {
            tiedPairs += (Int128)histogram.Positives[bin] * histogram.Negatives[bin];
        }

        return (double)tiedPairs / (2.0 * p * n);
    }

    /// <summary>
    /// Average precision, step-wise as scikit-learn's <c>average_precision_score</c>: thresholds at every
    /// occupied bin from the top, <c>AP = Σ (Rₖ − Rₖ₋₁) · Pₖ</c> with no interpolation. Recall only moves at bins
    /// holding positives, so <c>AP = Σₖ (pos[k] / P) · TP(≥k) / (TP(≥k) + FP(≥k))</c>. <c>null</c> when P = 0
    /// (scikit-learn warns and returns 0, which would read as a real, terrible score).
    /// </summary>
    public static double? AveragePrecision(ScoreHistogram histogram)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        if (histogram.PositiveCount == 0)
        {
            return null;
        }

        long truePositives = 0, falsePositives = 0;
        double sum = 0;
        for (var bin = histogram.Grid.Bins - 1; bin >= 0; bin--)
        {
            truePositives += histogram.Positives[bin];
            falsePositives += histogram.Negatives[bin];
            if (histogram.Positives[bin] > 0)
            {
                sum += histogram.Positives[bin] * ((double)truePositives / (truePositives + falsePositives));
            }
        }

        return sum / histogram.PositiveCount;
    }

    /// <summary>
    /// The ROC curve from (0, 0) to (1, 1): one point per occupied bin, from the highest score down (no
    /// intermediate point dropped). Its trapezoidal area equals <see cref="Auroc"/>. Empty when P = 0 or N = 0.
    /// </summary>
    public static IReadOnlyList<RocPoint> Curve(ScoreHistogram histogram)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        long p = histogram.PositiveCount, n = histogram.NegativeCount;
        if (p == 0 || n == 0)
        {
            return [];
        }

        var points = new List<RocPoint> { new(histogram.Grid.AboveEveryScore, 0, 0) };
        long truePositives = 0, falsePositives = 0;
        for (var bin = histogram.Grid.Bins - 1; bin >= 0; bin--)
        {
            if (histogram.Positives[bin] == 0 && histogram.Negatives[bin] == 0)
            {
                continue;
            }

            truePositives += histogram.Positives[bin];
            falsePositives += histogram.Negatives[bin];
            points.Add(new RocPoint(histogram.Grid.ValueOf(bin), (double)falsePositives / n, (double)truePositives / p));
        }

        return points;
    }

    /// <summary>2U = Σₖ pos[k] · (2 · neg[&lt;k] + neg[k]), exact in 128 bits: P · N alone can pass 2⁶³ on a large pool.</summary>
    internal static Int128 TwiceMannWhitneyU(ScoreHistogram histogram)
    {
        Int128 twiceU = 0;
        long negativesBelow = 0;
        for (var bin = 0; bin < histogram.Grid.Bins; bin++)
        {
            twiceU += (Int128)histogram.Positives[bin] * (2 * (Int128)negativesBelow + histogram.Negatives[bin]);
            negativesBelow += histogram.Negatives[bin];
        }

        return twiceU;
    }
}
