using Partages.Coordinator.Dashboard.Results;

namespace Partages.Coordinator.Dashboard.Charts;

/// <summary>
/// One nervaluate scheme as horizontal bars: for each entity type, then all types together, a bar each for
/// precision, recall and F1 on a 0–1 axis. Every bar is named by a letter beside it and its value is written out, so
/// the chart reads without telling the colours apart; a ratio with nothing to divide by gets no bar and the word
/// "undefined", not a zero-length bar that would look like a failure.
/// </summary>
public static class EntityBars
{
    private const double Width = 960, LabelLeft = 0, LetterRight = 330, PlotLeft = 340, PlotRight = 800, TextLeft = 815;
    private const double Top = 64, BarHeight = 20, BarGap = 6, BlockGap = 26, AxisHeight = 40;

    /// <summary>Precision, recall, F1: their letter, their name and their colour (Okabe–Ito, 3:1 or more against white).</summary>
    private static readonly (string Key, string Letter, string Name, string Colour)[] Metrics =
    [
        ("precision", "P", "Precision", Palette.Series[0]),
        ("recall", "R", "Recall", Palette.Series[1]),
        ("f1", "F1", "F1", Palette.Series[2]),
    ];

    public static double PlotWidth => PlotRight - PlotLeft;

    private static double BlockHeight => Metrics.Length * (BarHeight + BarGap) + BlockGap;

    public static string Render(SchemeBars bars, string id)
    {
        ArgumentNullException.ThrowIfNull(bars);
        var (title, rule) = EntityAnalysis.SchemeNames.TryGetValue(bars.Scheme, out var n) ? n : (bars.Scheme, "");
        var rows = bars.Types.Append(bars.Overall).ToList();
        var axisY = Top + rows.Count * BlockHeight;
        var height = axisY + AxisHeight;
        double X(double v) => PlotLeft + Math.Clamp(v, 0, 1) * PlotWidth;

        var html = new Html();
        html.Open("svg", ("class", "chart entity-bars"), ("viewBox", $"0 0 {Html.N(Width)} {Html.N(height)}"), ("role", "img"),
                ("aria-labelledby", $"{id}-title {id}-desc"), ("data-scheme", bars.Scheme), ("id", id), ("tabindex", "0"))
            .Element("title", $"{title} scheme ({rule}): precision, recall and F1 per entity type, pooled over the sites", ("id", $"{id}-title"))
            .Element("desc", Describe(rows), ("id", $"{id}-desc"))
            .Element("text", "Entity type", ("x", Html.N(LabelLeft)), ("y", "26"), ("class", "chart-head"));

        // The legend doubles as the column head: each colour beside its name.
        var legendX = PlotLeft;
        foreach (var (_, letter, name, colour) in Metrics)
        {
            html.Void("rect", ("x", Html.N(legendX)), ("y", "11"), ("width", "18"), ("height", "18"), ("fill", colour))
                .Element("text", name == letter ? name : $"{name} ({letter})", ("x", Html.N(legendX + 26)), ("y", "26"), ("class", "legend"));
            legendX += 150;
        }

        for (var tick = 0; tick <= 10; tick += 2)
        {
            var x = X(tick / 10.0);
            html.Void("line", ("x1", Html.N(x)), ("x2", Html.N(x)), ("y1", Html.N(Top - 10)), ("y2", Html.N(axisY)), ("class", "grid"))
                .Element("text", Html.N(tick / 10.0), ("x", Html.N(x)), ("y", Html.N(axisY + 28)), ("class", "tick"), ("text-anchor", "middle"));
        }

        html.Void("line", ("x1", Html.N(PlotLeft)), ("x2", Html.N(PlotRight)), ("y1", Html.N(axisY)), ("y2", Html.N(axisY)), ("class", "axis"));

        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            var overall = i == rows.Count - 1;
            var y0 = Top + i * BlockHeight;
            if (overall)
            {
                html.Void("line", ("x1", "0"), ("x2", Html.N(Width)), ("y1", Html.N(y0 - BlockGap / 2)), ("y2", Html.N(y0 - BlockGap / 2)), ("class", "axis"));
            }

            html.Open("g", ("class", overall ? "entity-type entity-overall" : "entity-type"), ("data-type", overall ? "overall" : row.Type))
                .Element("text", row.Type, ("x", Html.N(LabelLeft)), ("y", Html.N(y0 + 18)), ("class", overall ? "row-label pooled-label" : "row-label"))
                .Element("text", $"{Html.Count(row.Metrics.Possible)} gold · {Html.Count(row.Metrics.Actual)} predicted", ("x", Html.N(LabelLeft)), ("y", Html.N(y0 + 44)), ("class", "row-sub"));
            if (row.NoGold && row.NoPredicted)
            {
                html.Element("text", "no gold and no predicted entity: nothing to score", ("x", Html.N(PlotLeft + 8)), ("y", Html.N(y0 + 40)), ("class", "row-value muted"));
            }
            else
            {
                for (var m = 0; m < Metrics.Length; m++)
                {
                    var (key, letter, _, colour) = Metrics[m];
                    var value = key switch { "precision" => row.Precision, "recall" => row.Recall, _ => row.F1 };
                    var y = y0 + m * (BarHeight + BarGap);
                    html.Element("text", letter, ("x", Html.N(LetterRight)), ("y", Html.N(y + BarHeight - 4)), ("text-anchor", "end"), ("class", "bar-letter"));
                    if (value is { } v)
                    {
                        html.Void("rect", ("x", Html.N(PlotLeft)), ("y", Html.N(y)), ("width", Html.N(X(v) - PlotLeft)), ("height", Html.N(BarHeight)),
                                ("fill", colour), ("class", "bar"), ("data-metric", key), ("data-value", Html.Metric(v)))
                            .Element("text", Html.Metric(v), ("x", Html.N(TextLeft)), ("y", Html.N(y + BarHeight - 3)), ("class", "row-value"), ("data-metric", key));
                    }
                    else
                    {
                        html.Element("text", "undefined", ("x", Html.N(TextLeft)), ("y", Html.N(y + BarHeight - 3)), ("class", "row-value muted"), ("data-metric", key));
                    }

                }
            }

            html.Close("g");
        }

        html.Close("svg");
        return html.ToString();
    }

    /// <summary>The chart in one sentence per type, for screen readers (the table under the chart says the same with counts).</summary>
    private static string Describe(IReadOnlyList<EntityRow> rows) =>
        string.Join(" ", rows.Select(r => r.NoGold && r.NoPredicted
            ? $"{r.Type}: no gold and no predicted entity."
            : $"{r.Type}: precision {Value(r.Precision)}, recall {Value(r.Recall)}, F1 {Value(r.F1)}{(r.Note is { } note ? $" ({note})" : "")}."));

    private static string Value(double? value) => value is { } v ? Html.Metric(v) : "undefined";
}
