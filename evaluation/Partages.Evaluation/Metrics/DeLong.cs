namespace Partages.Evaluation.Metrics;

/// <summary>An AUROC with DeLong's variance and the 95% interval AUROC ± z·SE, clipped to [0, 1].</summary>
public sealed record AurocEstimate(double Auroc, double Variance, ConfidenceInterval Ci95)
{
    public double StandardError => Math.Sqrt(Variance);
}

/// <summary>
/// DeLong, DeLong &amp; Clarke-Pearson (1988): the variance of the Mann–Whitney AUROC from its structural
/// components. Each positive's component is the share of negatives it beats (ties 1/2), each negative's the
/// share of positives that beat it; every document of a bin shares the same component, so the sums over
/// documents become sums over bins weighted by counts. Exact for the scores as binned (docs/metrics.md: the error
/// against DeLong on raw scores).
/// </summary>
public static class DeLong
{
    /// <summary>
    /// <c>Var = S₁₀ / m + S₀₁ / n</c>, with m positives, n negatives,
    /// <c>S₁₀ = Σₖ pos[k] (V₁₀[k] − A)² / (m − 1)</c>, <c>V₁₀[k] = (neg[&lt;k] + neg[k]/2) / n</c>,
    /// <c>S₀₁ = Σₖ neg[k] (V₀₁[k] − A)² / (n − 1)</c>, <c>V₀₁[k] = (pos[&gt;k] + pos[k]/2) / m</c>.
    /// <c>null</c> when m &lt; 2 or n &lt; 2 (a sample variance needs two values). The variance is 0 at perfect
    /// separation (A = 0 or 1), where the interval degenerates to a point: a known weakness of the method.
    /// </summary>
    public static AurocEstimate? Estimate(ScoreHistogram histogram)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        long m = histogram.PositiveCount, n = histogram.NegativeCount;
        if (m < 2 || n < 2)
        {
            return null;
        }

        // Work in units of 1 / (2mn): the components' deviations from A are then exact integers, so the
        // subtraction cancels nothing and the only roundings are the conversions to double.
        var twiceU = RocFromHistograms.TwiceMannWhitneyU(histogram);
        var unit = 2.0 * m * n;
        double s10 = 0, s01 = 0;
        long negativesBelow = 0, positivesAbove = histogram.PositiveCount;
        for (var bin = 0; bin < histogram.Grid.Bins; bin++)
        {
            long pos = histogram.Positives[bin], neg = histogram.Negatives[bin];
            positivesAbove -= pos;
            if (pos > 0)
            {
                var deviation = (double)((Int128)m * (2 * (Int128)negativesBelow + neg) - twiceU) / unit;
                s10 += pos * deviation * deviation;
            }

            if (neg > 0)
            {
                var deviation = (double)((Int128)n * (2 * (Int128)positivesAbove + pos) - twiceU) / unit;
                s01 += neg * deviation * deviation;
            }

            negativesBelow += neg;
        }

        s10 /= m - 1;
        s01 /= n - 1;
        var auroc = (double)twiceU / unit;
        var variance = s10 / m + s01 / n;
        return new AurocEstimate(auroc, variance, ConfidenceInterval.Normal95(auroc, Math.Sqrt(variance)).ClipToUnit());
    }
}
