using System.Globalization;
using Partages.Evaluation.Results;

namespace Partages.Evaluation.Robustness;

/// <summary>One line of the robustness table the CLI and the dashboard both print: a site (or the pool) under one perturbation.</summary>
/// <param name="Site">The site's name, or <c>pooled</c>.</param>
/// <param name="Perturbation">The perturbation with its parameters.</param>
/// <param name="Reports">Reports changed and unchanged (unchanged: the perturbation could not apply; still scored).</param>
/// <param name="Accuracy">Clean → perturbed, with the change and, under DP, its interval.</param>
/// <param name="MicroF1">Clean → perturbed micro F1 (entity recognition: seqeval's).</param>
/// <param name="MacroF1">Clean → perturbed macro F1.</param>
/// <param name="Discordant">Units right clean and wrong perturbed / the reverse, and the unit.</param>
/// <param name="McNemarP">McNemar's exact p, with its interval when the counts are noisy.</param>
/// <param name="Privacy">"exact" or the DP label.</param>
public sealed record RobustnessRow(
    string Site,
    string Perturbation,
    string Reports,
    string Accuracy,
    string MicroF1,
    string MacroF1,
    string Discordant,
    string McNemarP,
    string Privacy);

/// <summary>The rows of <see cref="RobustnessRow"/>, per site in name order then pooled, so both front ends say the same thing.</summary>
public static class RobustnessRows
{
    public static readonly IReadOnlyList<string> Headings =
        ["site", "perturbation", "reports changed / unchanged", "accuracy clean → perturbed (Δ)", "micro F1 clean → perturbed (Δ)", "macro F1 clean → perturbed (Δ)", "discordant clean-only / perturbed-only", "McNemar p", "privacy"];

    public static IReadOnlyList<RobustnessRow> From(PooledResultDocument result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var scopes = result.PerSite.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (p.Key, (ResultDocument?)p.Value)).Append(("pooled", result.Pooled));
        var rows = new List<RobustnessRow>();
        foreach (var (site, document) in scopes)
        {
            foreach (var p in document?.Robustness?.Perturbations ?? [])
            {
                rows.Add(new RobustnessRow(
                    site,
                    p.Perturbation,
                    string.Create(CultureInfo.InvariantCulture, $"{p.ReportsChanged} / {p.ReportsUnchanged}") + (p.EntitiesLost is { } lost ? string.Create(CultureInfo.InvariantCulture, $" ({lost} entities lost)") : ""),
                    Change(p.Change?.Accuracy),
                    document!.Release?.DifferentialPrivacy is not null && p.Change?.MicroF1 is null ? "— (no interval under DP)" : Change(p.Change?.MicroF1),
                    Change(p.Change?.MacroF1),
                    string.Create(CultureInfo.InvariantCulture, $"{p.Paired.CleanOnly} / {p.Paired.PerturbedOnly} {p.Paired.Unit}s"),
                    PValue(p.Paired.McNemar),
                    ReleaseNotes.PrivacyLabel(document!)));
            }
        }

        return rows;
    }

    /// <summary>"0.812 → 0.744 (Δ -0.068 [-0.120, -0.010])", or "not estimable".</summary>
    public static string Change(FigureChange? change) => change is null
        ? "not estimable"
        : $"{ReleaseNotes.Figure(change.Clean)} → {ReleaseNotes.Figure(change.Perturbed)} (Δ {ReleaseNotes.WithInterval(change.Delta, change.DeltaInterval)})";

    /// <summary>p with three significant decimals ("&lt; 0.001" below), with its interval under DP.</summary>
    public static string PValue(McNemarFigure? test)
    {
        if (test is null)
        {
            return "not estimable";
        }

        var p = P(test.PValue);
        return test.PValueInterval is { } interval ? $"{p} [{P(interval.CiLow)}, {P(interval.CiHigh)}]" : p;
    }

    private static string P(double value) => value < 0.001 ? "< 0.001" : value.ToString("0.000", CultureInfo.InvariantCulture);
}
