using System.Globalization;

namespace Partages.Evaluation.Results;

/// <summary>
/// Builds <see cref="HeterogeneitySection"/>: for each class, the sites' F1 and AUROC estimates with their variances,
/// and a DerSimonian–Laird meta-analysis of those that have a usable one. A site whose estimate is undefined, or
/// whose variance is 0 (F1 of 0 or 1, AUROC of 0 or 1, where the variance formulas say nothing), is excluded with
/// its reason rather than given an infinite weight; with fewer than two sites left there is no meta-analysis.
/// </summary>
internal static class HeterogeneityAnalysis
{
    public static HeterogeneitySection Compute(
        IReadOnlyList<string> labels,
        IReadOnlyList<KeyValuePair<string, ResultDocument>> sites,
        IReadOnlyList<KeyValuePair<string, OneVsRestHistograms>>? histograms)
        => Compute(labels, sites, histograms, ConfusionCounts);

    /// <param name="counts">A site's tp, fp and fn for one class, from its released document.</param>
    public static HeterogeneitySection Compute(
        IReadOnlyList<string> labels,
        IReadOnlyList<KeyValuePair<string, ResultDocument>> sites,
        IReadOnlyList<KeyValuePair<string, OneVsRestHistograms>>? histograms,
        Func<ResultDocument, string, (long Tp, long Fp, long Fn)> counts)
    {
        var f1 = new Dictionary<string, MetaAnalysisEntry>(StringComparer.Ordinal);
        var auroc = histograms is null ? null : new Dictionary<string, MetaAnalysisEntry>(StringComparer.Ordinal);
        foreach (var label in labels)
        {
            f1[label] = Analyse(sites.Select(s => (s.Key, F1(s.Key, counts(s.Value, label)))));
            if (auroc is not null)
            {
                auroc[label] = Analyse(histograms!.Select(h => (h.Key, Auroc(h.Key, h.Value, label))));
            }
        }

        return new HeterogeneitySection(HeterogeneitySection.DerSimonianLairdMethod, f1, auroc);
    }

    /// <summary>
    /// Sites released under differential privacy: each site's F1 and AUROC are its released estimates, and their
    /// variances are read from the released 95 % intervals, which include the noise ((high − low) / (2 · 1.96))². The
    /// delta method on noisy counts would ignore the noise and overweight the smallest sites. The intervals are not
    /// symmetric near 0 and 1, so this is a normal approximation, as any inverse-variance meta-analysis is.
    /// </summary>
    public static HeterogeneitySection ComputePrivate(IReadOnlyList<string> labels, IReadOnlyList<KeyValuePair<string, ResultDocument>> sites)
    {
        var f1 = new Dictionary<string, MetaAnalysisEntry>(StringComparer.Ordinal);
        var auroc = new Dictionary<string, MetaAnalysisEntry>(StringComparer.Ordinal);
        foreach (var label in labels)
        {
            f1[label] = Analyse(sites.Select(s => (s.Key, FromInterval(
                s.Key,
                s.Value.PerClass.GetValueOrDefault(label)?.F1,
                s.Value.Intervals?.PerClass.GetValueOrDefault(label)?.F1 is { } ci ? (ci.CiLow, ci.CiHigh) : null))));
            auroc[label] = Analyse(sites.Select(s => (s.Key, FromInterval(
                s.Key,
                s.Value.Auroc?.GetValueOrDefault(label)?.Value,
                s.Value.Auroc?.GetValueOrDefault(label) is { CiLow: { } low, CiHigh: { } high } ? (low, high) : null))));
        }

        return new HeterogeneitySection(HeterogeneitySection.DerSimonianLairdMethod, f1, auroc);
    }

    private static (SiteEstimate? Estimate, string? Why) FromInterval(string site, double? estimate, (double Low, double High)? interval) =>
        estimate is not { } value || interval is not { } ci
            ? (null, "not estimable from the site's noisy counts")
            : (new SiteEstimate(site, value, Math.Pow((ci.High - ci.Low) / (2 * 1.96), 2)), null);

    /// <summary>A class's tp, fp and fn from the site's confusion matrix (single-label classification).</summary>
    public static (long Tp, long Fp, long Fn) ConfusionCounts(ResultDocument document, string label)
    {
        var counts = document.ToCounts();
        var c = counts.IndexOf(label);
        long tp = counts[c, c], fp = 0, fn = 0;
        for (var k = 0; k < counts.Labels.Count; k++)
        {
            if (k != c)
            {
                fp += counts[k, c];
                fn += counts[c, k];
            }
        }

        return (tp, fp, fn);
    }

    /// <summary>A label's tp, fp and fn from the site's <c>per_class</c> (multi-label classification, where they are the sufficient statistic).</summary>
    public static (long Tp, long Fp, long Fn) PerClassCounts(ResultDocument document, string label)
    {
        var metrics = document.PerClass[label];
        return (metrics.Tp, metrics.Fp, metrics.Fn);
    }

    private static (SiteEstimate? Estimate, string? Why) F1(string site, (long Tp, long Fp, long Fn) counts) =>
        SiteEstimate.ForF1(site, counts.Tp, counts.Fp, counts.Fn) is { } estimate
            ? (estimate, null)
            : (null, "no document of the class and none predicted as it (F1 undefined)");

    private static (SiteEstimate? Estimate, string? Why) Auroc(string site, OneVsRestHistograms histograms, string label)
    {
        var histogram = histograms[histograms.IndexOf(label)];
        return SiteEstimate.ForAuroc(site, histogram) is { } estimate
            ? (estimate, null)
            : (null, string.Create(
                CultureInfo.InvariantCulture,
                $"{histogram.PositiveCount} positive(s) and {histogram.NegativeCount} negative(s); DeLong's variance needs at least 2 of each"));
    }

    private static MetaAnalysisEntry Analyse(IEnumerable<(string Site, (SiteEstimate? Estimate, string? Why) Result)> sites)
    {
        var usable = new List<SiteEstimate>();
        var estimates = new List<SiteEstimateEntry>();
        var excluded = new List<MissingSite>();
        foreach (var (site, (estimate, why)) in sites)
        {
            if (estimate is null)
            {
                excluded.Add(new MissingSite(site, why ?? "no estimate"));
            }
            else if (!(estimate.Variance > 0) || !double.IsFinite(estimate.Variance))
            {
                excluded.Add(new MissingSite(site, string.Create(
                    CultureInfo.InvariantCulture,
                    $"estimate {estimate.Estimate:R} has variance 0 (the variance formula breaks down at the boundary); an infinite weight would silence every other site")));
            }
            else
            {
                usable.Add(estimate);
                estimates.Add(new SiteEstimateEntry(site, estimate.Estimate, estimate.Variance));
            }
        }

        if (usable.Count < 2)
        {
            return new MetaAnalysisEntry(estimates, excluded, null, $"{usable.Count} site(s) with a usable estimate; a meta-analysis needs at least 2");
        }

        return new MetaAnalysisEntry(estimates, excluded, MetaAnalysisSummary.From(MetaAnalysis.DerSimonianLaird(usable)), null);
    }
}
