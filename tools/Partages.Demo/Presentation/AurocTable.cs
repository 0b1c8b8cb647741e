using System.Globalization;
using Partages.Evaluation.Results;
using EvaluationView = Partages.Contracts.V1.Evaluation;

namespace Partages.Demo.Presentation;

/// <summary>
/// Per-site and pooled AUROC with DeLong 95% intervals, and the across-site heterogeneity, when the results carry
/// score histograms (docs/results-schema.md). Prints nothing for results without them.
/// </summary>
public static class AurocTable
{
    public static void Write(IAnsiConsole console, EvaluationView evaluation)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(evaluation);
        if (string.IsNullOrEmpty(evaluation.PooledResultJson))
        {
            return;
        }

        var result = ResultJson.DeserializePooled(evaluation.PooledResultJson);
        var labels = result.Pooled?.ConfusionMatrix.Labels ?? [];
        var rows = result.PerSite.Select(s => (Site: Markup.Escape(s.Key), s.Value.Auroc)).ToList();
        if (result.Pooled is not null)
        {
            rows.Add(("[bold]pooled[/]", result.Pooled.Auroc));
        }

        if (labels.Count == 0)
        {
            return;
        }

        if (rows.All(r => r.Auroc is null))
        {
            WhyNoAuroc(console, result);
            return;
        }

        var noisy = result.Pooled?.Release?.DifferentialPrivacy is not null;
        var table = new Table()
            .Title(noisy
                ? "AUROC per class, one vs rest, from noisy score histograms (95% interval, includes the noise; - : not estimable)"
                : "AUROC per class, one vs rest (95% DeLong interval)")
            .AddColumn("site");
        foreach (var label in labels)
        {
            table.AddColumn(new TableColumn(Markup.Escape(label)).RightAligned());
        }

        foreach (var (site, auroc) in rows)
        {
            table.AddRow([site, .. labels.Select(l => auroc is not null && auroc.TryGetValue(l, out var a) ? Format(a) : "-")]);
        }

        console.Write(table);
        WriteHeterogeneity(console, result.Heterogeneity, labels);
    }

    /// <summary>Says which site withheld its score histograms and why (e.g. its release gate), so a missing AUROC is not a mystery.</summary>
    private static void WhyNoAuroc(IAnsiConsole console, PooledResultDocument result)
    {
        console.MarkupLine("[grey]No AUROC: no site released score histograms.[/]");
        foreach (var (site, document) in result.PerSite)
        {
            var reason = document.Release?.WithheldSections?.FirstOrDefault(w => w.Section == "score_histograms")?.Reason;
            if (reason is not null)
            {
                console.MarkupLine($"[grey]  {Markup.Escape(site)}: withheld by its release gate — {Markup.Escape(reason)}[/]");
            }
        }
    }

    private static void WriteHeterogeneity(IAnsiConsole console, HeterogeneitySection? heterogeneity, IReadOnlyList<string> labels)
    {
        if (heterogeneity is null)
        {
            return;
        }

        var table = new Table().Title("Across sites: DerSimonian–Laird random effects (95% interval), I²")
            .AddColumns("class", "F1", "I² F1", "AUROC", "I² AUROC");
        foreach (var label in labels)
        {
            var f1 = heterogeneity.F1.GetValueOrDefault(label);
            var auroc = heterogeneity.Auroc?.GetValueOrDefault(label);
            table.AddRow(Markup.Escape(label), Estimate(f1), ISquared(f1), Estimate(auroc), ISquared(auroc));
        }

        console.Write(table);
    }

    private static string Format(AurocEntry entry) =>
        entry.Value is not { } value ? "-"
        // Cells are Spectre markup, where a bracket opens a style: the interval's brackets are escaped.
        : entry.CiLow is { } low && entry.CiHigh is { } high ? Markup.Escape($"{F(value)} [{F(low)}, {F(high)}]")
        : F(value);

    private static string Estimate(MetaAnalysisEntry? entry) =>
        entry?.MetaAnalysis is { } m ? Markup.Escape($"{F(m.Estimate)} [{F(m.CiLow)}, {F(m.CiHigh)}]") : "[grey]n/a[/]";

    private static string ISquared(MetaAnalysisEntry? entry) =>
        entry?.MetaAnalysis is { } m ? (m.ISquared * 100).ToString("0", CultureInfo.InvariantCulture) + "%" : "[grey]n/a[/]";

    private static string F(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);
}
