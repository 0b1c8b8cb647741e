using System.Globalization;
using Partages.Evaluation.Quality;
using Partages.Evaluation.Results;
using Spectre.Console;

namespace Partages.Client.Presentation;

/// <summary>
/// A dataset QC evaluation's sites side by side (<see cref="QcComparisonView"/>): each distribution bin by bin with
/// every site's share as a bar, so shifted distributions show at a glance; findings; each site's divergence from the
/// pool with its interval; agreement. Counts and shares only: no report's text exists in a QC result.
/// </summary>
public static class QcComparisonTable
{
    private const int BarWidth = 12;

    public static void Write(IAnsiConsole console, PooledResultDocument result)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(result);
        if (QcComparisonView.Of(result) is not { } view)
        {
            console.MarkupLine("[red]No site released a dataset QC section.[/]");
            return;
        }

        var sites = new Table().Title("Sites").AddColumns("site", "reports", "privacy");
        foreach (var (site, document) in result.PerSite)
        {
            sites.AddRow(TerminalMarkup.Escape(site), document.NDocuments.ToString(CultureInfo.InvariantCulture), TerminalMarkup.Escape(ReleaseNotes.PrivacyLabel(document)));
        }

        if (result.Pooled is { } pooled)
        {
            sites.AddRow("[bold]pooled[/]", pooled.NDocuments.ToString(CultureInfo.InvariantCulture), TerminalMarkup.Escape(ReleaseNotes.PrivacyLabel(pooled)));
        }

        console.Write(sites);
        foreach (var distribution in view.Distributions)
        {
            var table = new Table().Title(TerminalMarkup.Escape(distribution.Title)).AddColumn("bin");
            foreach (var column in view.Sites)
            {
                table.AddColumn(TerminalMarkup.Escape(column));
            }

            for (var bin = 0; bin < distribution.Bins.Count; bin++)
            {
                table.AddRow([TerminalMarkup.Escape(distribution.Bins[bin]), .. distribution.Shares.Select(shares => Bar(shares[bin]))]);
            }

            console.Write(table);
        }

        if (view.Pieces.Count > 0)
        {
            WriteRows(console, "Through the model's tokenizer [[95% CI]]", "figure", view.Sites, view.Pieces);
        }

        WriteRows(console, "Findings (reports per kind)", "kind", view.Sites, view.Findings);
        WriteRows(console, "Divergence from the pool: Jensen–Shannon [[95% CI]]", "site", SiteComparison.Figures, view.Divergences);
        if (view.Agreement.Count > 0)
        {
            WriteRows(console, "Agreement between annotators [[95% CI]]", "figure", view.Sites, view.Agreement);
        }

        foreach (var missing in result.MissingSites)
        {
            console.MarkupLine($"[yellow]Not in the pooled result:[/] {TerminalMarkup.Escape(missing.Site)} — {TerminalMarkup.Escape(missing.Reason)}");
        }

        foreach (var note in view.Notes)
        {
            console.MarkupLine(TerminalMarkup.Escape(note));
        }
    }

    private static void WriteRows(IAnsiConsole console, string title, string first, IReadOnlyList<string> columns, IReadOnlyList<QcTextRow> rows)
    {
        var table = new Table().Title(title).AddColumn(first);
        foreach (var column in columns)
        {
            table.AddColumn(new TableColumn(TerminalMarkup.Escape(column)).RightAligned());
        }

        foreach (var row in rows)
        {
            table.AddRow([TerminalMarkup.Escape(row.Name), .. row.Cells.Select(TerminalMarkup.Escape)]);
        }

        console.Write(table);
    }

    /// <summary>"31.2 % ████" — the share and a bar of proportional length; "—" when nothing positive was released.</summary>
    private static string Bar(double? share) => share is { } s
        ? string.Create(CultureInfo.InvariantCulture, $"{s * 100,5:0.0} % {new string('█', (int)Math.Round(s * BarWidth))}")
        : "—";
}
