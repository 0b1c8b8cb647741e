namespace Partages.Evaluation.Metrics;

/// <summary>
/// A random-effects meta-analysis of per-site estimates. <see cref="Estimate"/>, <see cref="StandardError"/>
/// and <see cref="Ci95"/> are DerSimonian–Laird's; the fixed-effect (inverse-variance) estimate is given beside
/// them because Q and τ² derive from it.
/// </summary>
public sealed record MetaAnalysisResult(
    int Sites,
    double FixedEffectEstimate,
    double FixedEffectStandardError,
    double Q,
    int DegreesOfFreedom,
    double ISquared,
    double TauSquared,
    double Estimate,
    double StandardError,
    ConfidenceInterval Ci95);

/// <summary>
/// Heterogeneity across sites and their random-effects pooled estimate. This answers a different question
/// from pooling sufficient statistics: not "the metric on all documents" but "the metric's mean over
/// hospitals, and how much it varies between them".
/// </summary>
public static class MetaAnalysis
{
    /// <summary>
    /// With wᵢ = 1/vᵢ and θ_FE = Σwᵢθᵢ / Σwᵢ: Cochran's <c>Q = Σwᵢ(θᵢ − θ_FE)²</c> on k − 1 degrees of freedom;
    /// Higgins &amp; Thompson's <c>I² = max(0, (Q − df) / Q)</c> (0 when Q = 0); DerSimonian &amp; Laird's
    /// <c>τ² = max(0, (Q − df) / (Σw − Σw² / Σw))</c>; then wᵢ* = 1/(vᵢ + τ²), <c>θ_RE = Σwᵢ*θᵢ / Σwᵢ*</c>,
    /// <c>SE = 1/√Σwᵢ*</c> and θ_RE ± z·SE (not clipped: the estimate's scale is the caller's). One site
    /// gives Q = 0, I² = 0, τ² = 0 and its own estimate.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// No site, a site named twice, a non-finite estimate, or a variance that is not positive and finite. A zero
    /// variance (DeLong at AUROC 1, F1 at 0 or 1) would be an infinite weight that silences every other site,
    /// so it is refused rather than guessed at: leave the site out, or give it a variance floor, and say so.
    /// Every offending site is listed in one message.
    /// </exception>
    public static MetaAnalysisResult DerSimonianLaird(IReadOnlyCollection<SiteEstimate> sites)
    {
        ArgumentNullException.ThrowIfNull(sites);
        Validate(sites);

        double sumW = 0, sumWTheta = 0, sumW2 = 0;
        foreach (var s in sites)
        {
            var w = 1 / s.Variance;
            sumW += w;
            sumWTheta += w * s.Estimate;
            sumW2 += w * w;
        }

        var fixedEstimate = sumWTheta / sumW;
        var q = sites.Sum(s => (s.Estimate - fixedEstimate) * (s.Estimate - fixedEstimate) / s.Variance);
        var df = sites.Count - 1;
        var iSquared = q > df ? (q - df) / q : 0;
        var tauSquared = q > df ? (q - df) / (sumW - sumW2 / sumW) : 0;

        double sumWStar = 0, sumWStarTheta = 0;
        foreach (var s in sites)
        {
            var w = 1 / (s.Variance + tauSquared);
            sumWStar += w;
            sumWStarTheta += w * s.Estimate;
        }

        var estimate = sumWStarTheta / sumWStar;
        var standardError = Math.Sqrt(1 / sumWStar);
        return new MetaAnalysisResult(
            sites.Count,
            fixedEstimate,
            Math.Sqrt(1 / sumW),
            q,
            df,
            iSquared,
            tauSquared,
            estimate,
            standardError,
            ConfidenceInterval.Normal95(estimate, standardError));
    }

    private static void Validate(IReadOnlyCollection<SiteEstimate> sites)
    {
        if (sites.Count == 0)
        {
            throw new ArgumentException("A meta-analysis needs at least one site.", nameof(sites));
        }

        var errors = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in sites)
        {
            if (s is null)
            {
                errors.Add("a site is null");
                continue;
            }

            if (!seen.Add(s.Site))
            {
                errors.Add($"site '{s.Site}' appears more than once");
            }

            if (!double.IsFinite(s.Estimate))
            {
                errors.Add($"site '{s.Site}' has estimate {s.Estimate}");
            }

            if (!double.IsFinite(s.Variance) || s.Variance <= 0)
            {
                errors.Add($"site '{s.Site}' has variance {s.Variance}; a weight needs a positive, finite variance");
            }
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException($"Cannot meta-analyse these sites: {string.Join("; ", errors)}.", nameof(sites));
        }
    }
}
