namespace Partages.Evaluation.Metrics;

/// <summary>One site's estimate of a metric and the variance of that estimate: the input of a meta-analysis.</summary>
public sealed record SiteEstimate(string Site, double Estimate, double Variance)
{
    /// <summary>The site's AUROC with DeLong's variance; <c>null</c> when <see cref="DeLong.Estimate"/> is.</summary>
    public static SiteEstimate? ForAuroc(string site, ScoreHistogram histogram) =>
        DeLong.Estimate(histogram) is { } e ? new SiteEstimate(site, e.Auroc, e.Variance) : null;

    /// <summary>
    /// The site's F1 for one class with its delta-method variance. F1 = 2a / (2a + b + c) with a, b, c the
    /// shares of true positives, false positives and false negatives among n documents (multinomial); the
    /// gradient is orthogonal to the multinomial's mean, and n cancels:
    /// <c>Var(F1) ≈ 4 · TP · (FP + FN) · (TP + FP + FN) / (2 TP + FP + FN)⁴</c>.
    /// (Equivalently: given s = TP + FP + FN, TP is binomial and F1 = 2 TP / (TP + s).) The variance is 0 when
    /// F1 is 0 or 1, where the approximation says nothing; <c>null</c> when TP + FP + FN = 0 (F1 undefined).
    /// </summary>
    public static SiteEstimate? ForF1(string site, long truePositives, long falsePositives, long falseNegatives)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(truePositives);
        ArgumentOutOfRangeException.ThrowIfNegative(falsePositives);
        ArgumentOutOfRangeException.ThrowIfNegative(falseNegatives);
        double tp = truePositives, errors = (double)falsePositives + falseNegatives, denominator = 2 * tp + errors;
        if (denominator == 0)
        {
            return null;
        }

        var variance = 4 * tp * errors * (tp + errors) / Math.Pow(denominator, 4);
        return new SiteEstimate(site, 2 * tp / denominator, variance);
    }

    /// <inheritdoc cref="ForF1(string, long, long, long)"/>
    public static SiteEstimate? ForF1(string site, ClassMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        return ForF1(site, metrics.Tp, metrics.Fp, metrics.Fn);
    }
}
