using System.Globalization;
using Partages.Evaluation.Quality;
using Partages.Evaluation.Results;

namespace Partages.Coordinator.Dashboard.Results;

/// <summary>
/// The results of a dataset QC (no model ran): the sites' datasets side by side, as the CLI shows them
/// (<see cref="QcComparisonView"/>). Each distribution is a table whose cells hold the share and a bar drawn in SVG
/// (attributes, not inline styles, so the dashboard's content security policy holds), so a site whose reports are
/// longer or labelled differently stands out before anyone reads a model's figures.
/// </summary>
public static class QcComparisonSection
{
    private const double BarWidth = 120, BarHeight = 12;

    /// <summary>Renders the section when <paramref name="pooledJson"/> is a dataset QC result; false otherwise (the caller renders metrics).</summary>
    public static bool TryRender(Html html, string pooledJson)
    {
        ArgumentNullException.ThrowIfNull(html);
        PooledResultDocument result;
        try
        {
            result = ResultJson.DeserializePooled(pooledJson);
        }
        catch (InvalidDataException)
        {
            return false;
        }

        if (Partages.Evaluation.Tasks.TaskRegistry.Find(result.Task)?.ProfilesDataset != true || QcComparisonView.Of(result) is not { } view)
        {
            return false;
        }

        html.Open("section", ("aria-labelledby", "results-title"), ("class", "panel"), ("id", "results"))
            .Element("h2", "Dataset quality, site by site", ("id", "results-title"));
        foreach (var missing in result.MissingSites)
        {
            html.Open("p", ("class", "missing")).Element("strong", missing.Site).Text(" not included: " + missing.Reason).Close("p");
        }

        foreach (var (distribution, index) in view.Distributions.Select((d, i) => (d, i)))
        {
            Table(html, $"qc-distribution-{index}", distribution.Title, "bin", view.Sites, distribution.Bins.Select((bin, b) =>
                (bin, distribution.Shares.Select(shares => Bar(shares[b])).ToList())));
        }

        if (view.Pieces.Count > 0)
        {
            Table(html, "qc-pieces", "Through the model's tokenizer [95 % CI]", "figure", view.Sites, view.Pieces.Select(r => (r.Name, r.Cells.Select(Text).ToList())));
        }

        Table(html, "qc-findings", "Findings (reports per kind)", "kind", view.Sites, view.Findings.Select(r => (r.Name, r.Cells.Select(Text).ToList())));
        Table(html, "qc-divergence", "Divergence from the pool: Jensen–Shannon, base 2 [95 % CI]", "site", SiteComparison.Figures, view.Divergences.Select(r => (r.Name, r.Cells.Select(Text).ToList())));
        if (view.Agreement.Count > 0)
        {
            Table(html, "qc-agreement", "Agreement between annotators [95 % CI]", "figure", view.Sites, view.Agreement.Select(r => (r.Name, r.Cells.Select(Text).ToList())));
        }

        html.Open("ul", ("class", "notes"));
        foreach (var note in view.Notes)
        {
            html.Element("li", note);
        }

        html.Close("ul").Close("section");
        return true;
    }

    private static void Table(Html html, string id, string caption, string first, IReadOnlyList<string> columns, IEnumerable<(string Name, List<Action<Html>> Cells)> rows)
    {
        html.Open("div", ("class", "table-wrap")).Open("table", ("id", id)).Element("caption", caption)
            .Open("thead").Open("tr").Element("th", first, ("scope", "col"));
        foreach (var column in columns)
        {
            html.Element("th", column, ("scope", "col"));
        }

        html.Close("tr").Close("thead").Open("tbody");
        foreach (var (name, cells) in rows)
        {
            html.Open("tr").Element("th", name, ("scope", "row"));
            foreach (var cell in cells)
            {
                html.Open("td", ("class", "num"));
                cell(html);
                html.Close("td");
            }

            html.Close("tr");
        }

        html.Close("tbody").Close("table").Close("div");
    }

    private static Action<Html> Text(string text) => html => html.Text(text);

    /// <summary>The share as text and a bar of proportional width; "—" when nothing positive was released.</summary>
    private static Action<Html> Bar(double? share) => html =>
    {
        if (share is not { } s)
        {
            html.Text("—");
            return;
        }

        html.Open("svg", ("class", "qc-bar"), ("viewBox", $"0 0 {Html.N(BarWidth)} {Html.N(BarHeight)}"), ("width", Html.N(BarWidth)), ("height", Html.N(BarHeight)), ("aria-hidden", "true"))
            .Void("rect", ("x", "0"), ("y", "0"), ("width", Html.N(Math.Clamp(s, 0, 1) * BarWidth)), ("height", Html.N(BarHeight)), ("fill", Charts.Palette.Series[0]))
            .Close("svg")
            .Text(" " + (s * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %");
    };
}
