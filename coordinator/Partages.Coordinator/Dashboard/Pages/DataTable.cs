namespace Partages.Coordinator.Dashboard.Pages;

/// <summary>
/// The frame every titled results table on the evaluation page shares: a heading the table is labelled by, a
/// scrolling wrapper (wide tables scroll, the page does not), the caption that says how to read the figures, one
/// header row, and rows headed by their site. Written once so that every table keeps the same structure for screen
/// readers and the tests.
/// </summary>
internal static class DataTable
{
    /// <summary>Writes the table, or nothing when there are no rows; <paramref name="row"/> writes one row.</summary>
    /// <param name="tableClass">The table's own class, after the common <c>data</c>.</param>
    public static void Write<T>(Html html, string id, string title, string tableClass, string caption, IEnumerable<string> headings, IReadOnlyList<T>? rows, Action<T> row)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (rows is not { Count: > 0 })
        {
            return;
        }

        html.Element("h3", title, ("id", id))
            .Open("div", ("class", "table-wrap"))
            .Open("table", ("class", "data " + tableClass), ("aria-labelledby", id))
            .Element("caption", caption)
            .Open("thead").Open("tr");
        foreach (var heading in headings)
        {
            html.Element("th", heading, ("scope", "col"));
        }

        html.Close("tr").Close("thead").Open("tbody");
        foreach (var item in rows)
        {
            row(item);
        }

        html.Close("tbody").Close("table").Close("div");
    }

    /// <summary>A row: its heading cell (the site), then one cell per text, each with its class (null: none).</summary>
    public static void Row(Html html, (string Name, string? Value)[] attributes, string heading, params (string? Text, string? Class)[] cells)
    {
        html.Open("tr", attributes).Element("th", heading, ("scope", "row"));
        foreach (var (text, cssClass) in cells)
        {
            html.Element("td", text, ("class", cssClass));
        }

        html.Close("tr");
    }
}
