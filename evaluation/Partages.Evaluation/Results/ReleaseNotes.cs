using System.Globalization;

namespace Partages.Evaluation.Results;

/// <summary>
/// What a reader must know to read a result's figures — which come from noisy counts (with their ε, and that the
/// intervals include the noise), which from exact counts, what a site withheld and what was not pooled — written once
/// for the CLI's formats, the dashboard and the demo.
/// </summary>
public static class ReleaseNotes
{
    /// <summary>The notes of a pooled result, one sentence each.</summary>
    public static IReadOnlyList<string> For(PooledResultDocument result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var notes = new List<string>();
        var scopes = result.PerSite.Select(s => (Name: s.Key, Document: s.Value)).ToList();
        if (result.Pooled is { } pooled)
        {
            scopes.Add(("pooled", pooled));
        }

        if (scopes.Any(s => s.Document.Schemes is not null))
        {
            notes.Add(MatchingNote(Metrics.NerMatching.OfResult(scopes.Select(s => s.Document.NerMatching).FirstOrDefault(m => m is not null))));
        }

        var noisy = scopes.Where(s => s.Document.Release?.DifferentialPrivacy is not null).ToList();
        if (result.Pooled?.Release?.DifferentialPrivacy is { Mechanism: DifferentialPrivacyRelease.Skellam } shares)
        {
            notes.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"Differentially private secure sum ({PrivacyLabel(result.Pooled)} per contributing dataset, charged to each hospital's ledger assuming at least {shares.NoiseThreshold} contributors add their share): every contributor added its share of Skellam noise to its counts before masking, so the sum carries all the contributors' shares; each figure is an estimate from the noisy sum and its 95% interval includes that noise. \"not estimable\": the noisy denominator is not clearly above 0."));
        }
        else if (noisy.Count > 0)
        {
            var epsilons = string.Join(", ", noisy.Where(s => s.Name != "pooled").Select(s => $"{s.Name} {PrivacyLabel(s.Document)}"));
            notes.Add($"Differentially private ({epsilons}): every count carries discrete Gaussian noise (replace-one, zCDP); each figure is an estimate from the noisy counts and its 95% interval includes the noise. \"not estimable\": the noisy denominator is not clearly above 0.");
        }

        var exact = result.PerSite.Where(s => s.Value.Release is { IsExact: true }).Select(s => s.Key).ToList();
        if (exact.Count > 0)
        {
            notes.Add($"Exact counts (differential privacy switched off by the hospital's policy): {string.Join(", ", exact)}; intervals are Wilson's (sampling error only).");
        }

        foreach (var (site, document) in result.PerSite)
        {
            foreach (var withheld in document.Release?.WithheldSections ?? [])
            {
                notes.Add($"Withheld by {site}'s release gate: {withheld.Section} — {withheld.Reason}");
            }
        }

        foreach (var omitted in result.OmittedSections ?? [])
        {
            notes.Add($"Not pooled: {omitted.Section} — {omitted.Reason}");
        }

        if (result.SecureSum is { } sum)
        {
            notes.AddRange(SecureSumNotes(sum));
        }

        return notes;
    }

    /// <summary>A pooled-only evaluation: the figures are a secure sum, of which sites, who dropped, who refused.</summary>
    private static IEnumerable<string> SecureSumNotes(SecureSumSection sum)
    {
        yield return sum.Contributors.Count == 0
            ? $"Pooled-only evaluation: no secure sum was revealed. Per-site figures, forest plots and heterogeneity: {SecureSumSection.NotAvailable}."
            : $"Secure sum: the pooled figures are the sum of {sum.Contributors.Count} site(s) ({string.Join(", ", sum.Contributors)}) by secure aggregation (threshold {sum.Threshold} of {sum.IntendedCohort.Count}); the coordinator learned only the sum. Per-site figures, forest plots and heterogeneity: {SecureSumSection.NotAvailable}.";
        if (sum.DroppedAfterSharing.Count > 0)
        {
            yield return $"Dropped out of the secure sum after sharing their keys (not in the sum, their masks removed from the shares): {string.Join(", ", sum.DroppedAfterSharing)}.";
        }

        if (sum.LeftOut.Count > 0)
        {
            yield return $"Left out of the secure sum (dropped before sharing their keys): {string.Join(", ", sum.LeftOut)}.";
        }

        foreach (var (site, reason) in sum.Refusals)
        {
            yield return $"{site} refused the cohort: {reason}";
        }
    }

    /// <summary>Which nervaluate release the entity figures agree with, for every rendering of a result.</summary>
    public static string MatchingNote(string matching) => matching == Metrics.NerMatching.Nervaluate1
        ? "Entity matching: nervaluate-1 (nervaluate 1.x, one-to-one; per type in schemes_by_type, each type matched alone; overall with all types together)."
        : "Entity matching: nervaluate-0.1 (nervaluate 0.1.x; a gold entity overlapped by several predictions is counted once per prediction; overall is the sum of the types).";

    /// <summary>
    /// The EDS-NLP metrics a spec asked (docs/ner.md), as every rendering shows them: each site's (in name order) and
    /// the pool's micro figures, "figure [low, high]" under differential privacy (the intervals include the noise),
    /// "not estimable" where a denominator is not clear, and the privacy label (ε). Empty when no result has them.
    /// </summary>
    public static IReadOnlyList<EdsNlpRow> EdsNlpRows(PooledResultDocument result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var rows = new List<EdsNlpRow>();
        var scopes = result.PerSite.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (p.Key, (ResultDocument?)p.Value)).Append(("pooled", result.Pooled));
        foreach (var (site, document) in scopes)
        {
            foreach (var (metric, section) in document?.EdsNlp?.Metrics ?? new Dictionary<string, EdsNlpMetricSection>())
            {
                var (micro, intervals) = (section.Micro, section.MicroIntervals);
                rows.Add(new EdsNlpRow(
                    site,
                    metric,
                    WithInterval(micro.Precision, intervals?.Precision),
                    WithInterval(micro.Recall, intervals?.Recall),
                    WithInterval(micro.F1, intervals?.F1),
                    PrivacyLabel(document!)));
            }
        }

        return rows;
    }

    /// <summary>"DP ε 1 (δ 1e-06)", "exact", or "—" for a result that went through no gate.</summary>
    public static string PrivacyLabel(ResultDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        return document.Release?.DifferentialPrivacy is { } dp
            ? string.Create(CultureInfo.InvariantCulture, $"DP ε {dp.Epsilon:0.##} (δ {dp.Delta:0.#######})")
            : document.Release is null ? "—" : "exact";
    }

    /// <summary>A figure with three decimals, or "not estimable" (a ratio without a denominator is never 0 or 1).</summary>
    public static string Figure(double? value) =>
        value is { } v && double.IsFinite(v) ? v.ToString("0.000", CultureInfo.InvariantCulture) : "not estimable";

    /// <summary>"0.873 [0.801, 0.925]", the figure alone when it has no interval, or "not estimable".</summary>
    public static string WithInterval(double? value, Interval? interval) => value is null
        ? "not estimable"
        : interval is null ? Figure(value) : $"{Figure(value)} [{Figure(interval.CiLow)}, {Figure(interval.CiHigh)}]";
}

/// <summary>One line of the EDS-NLP figures: a site (or <c>pooled</c>), a metric, its micro figures as text, its privacy.</summary>
public sealed record EdsNlpRow(string Site, string Metric, string Precision, string Recall, string F1, string Privacy);
