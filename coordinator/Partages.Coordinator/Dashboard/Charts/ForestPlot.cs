using System.Globalization;
using Partages.Coordinator.Dashboard.Results;

namespace Partages.Coordinator.Dashboard.Charts;

/// <summary>
/// A forest plot as inline SVG: one row per site (square sized by its random-effects weight, line for its 95%
/// interval, the numbers written out) and a diamond for the DerSimonian–Laird pooled estimate. Text is part of
/// the drawing, so the values read without the shapes.
/// </summary>
public static class ForestPlot
{
    private const double Width = 960, LabelWidth = 230, PlotLeft = 250, PlotRight = 660, TextLeft = 690;
    private const double RowHeight = 46, Top = 56, AxisHeight = 56;

    public static string Render(ForestData data, string id)
    {
        ArgumentNullException.ThrowIfNull(data);
        var (low, high) = Range(data);
        double X(double v) => PlotLeft + (Math.Clamp(v, low, high) - low) / (high - low) * (PlotRight - PlotLeft);
        var rows = data.Sites.Count + 1;
        var height = Top + rows * RowHeight + AxisHeight;
        var html = new Html();
        html.Open("svg", ("class", "chart forest"), ("viewBox", $"0 0 {Html.N(Width)} {Html.N(height)}"), ("role", "img"),
                ("aria-labelledby", $"{id}-title {id}-desc"), ("data-label", data.Label), ("id", id))
            .Element("title", $"Forest plot of F1 for class {data.Label}", ("id", $"{id}-title"))
            .Element("desc", Describe(data), ("id", $"{id}-desc"))
            .Element("text", "Site", ("x", "0"), ("y", "30"), ("class", "chart-head"))
            .Element("text", $"F1 · {data.Label}", ("x", Html.N(PlotLeft)), ("y", "30"), ("class", "chart-head"))
            .Element("text", "F1 [95% CI]", ("x", Html.N(TextLeft)), ("y", "30"), ("class", "chart-head"));

        // Grid lines and the axis first, so the marks are drawn over them.
        var axisY = Top + rows * RowHeight;
        var step = high - low > 0.5 ? 0.1 : 0.05;
        for (var tick = low; tick <= high + 1e-9; tick += step)
        {
            var x = X(tick);
            html.Void("line", ("x1", Html.N(x)), ("x2", Html.N(x)), ("y1", Html.N(Top - 8)), ("y2", Html.N(axisY)), ("class", "grid"))
                .Element("text", tick.ToString("0.0#", CultureInfo.InvariantCulture), ("x", Html.N(x)), ("y", Html.N(axisY + 26)), ("class", "tick"), ("text-anchor", "middle"));
        }

        html.Void("line", ("x1", Html.N(PlotLeft)), ("x2", Html.N(PlotRight)), ("y1", Html.N(axisY)), ("y2", Html.N(axisY)), ("class", "axis"));
        if (data.Pooled is { } pooledLine)
        {
            var x = X(pooledLine.Estimate);
            html.Void("line", ("x1", Html.N(x)), ("x2", Html.N(x)), ("y1", Html.N(Top - 8)), ("y2", Html.N(axisY)), ("class", "pooled-line"));
        }

        for (var i = 0; i < data.Sites.Count; i++)
        {
            var row = data.Sites[i];
            var y = Top + i * RowHeight + RowHeight / 2;
            html.Open("g", ("class", "forest-row"), ("data-site", row.Site))
                .Element("text", row.Site, ("x", "0"), ("y", Html.N(y + 6)), ("class", "row-label"));
            if (row.Estimate is { } estimate)
            {
                if (row.Ci is { } ci)
                {
                    html.Void("line", ("x1", Html.N(X(ci.Lower))), ("x2", Html.N(X(ci.Upper))), ("y1", Html.N(y)), ("y2", Html.N(y)), ("class", "ci"));
                }

                var size = 8 + 14 * Math.Sqrt(row.Weight ?? 0.1);
                html.Void("rect", ("x", Html.N(X(estimate) - size / 2)), ("y", Html.N(y - size / 2)), ("width", Html.N(size)), ("height", Html.N(size)), ("class", "site-mark"));
                var text = row.Ci is { } c ? $"{Html.Metric(estimate)} [{Html.Metric(c.Lower)}, {Html.Metric(c.Upper)}]" : $"{Html.Metric(estimate)} (not pooled)";
                html.Element("text", text, ("x", Html.N(TextLeft)), ("y", Html.N(y + 6)), ("class", "row-value"));
            }
            else
            {
                // The reason is long (it would run off the plot): it is in the row's title and the figure's caption.
                html.Element("text", "no estimate", ("x", Html.N(TextLeft)), ("y", Html.N(y + 6)), ("class", "row-value muted"));
            }

            if (row.Note is not null)
            {
                html.Element("title", $"{row.Site}: {row.Note}");
            }

            html.Close("g");
        }

        var py = Top + data.Sites.Count * RowHeight + RowHeight / 2;
        html.Open("g", ("class", "forest-row forest-pooled"), ("data-site", "pooled"))
            .Element("text", "Pooled (random effects)", ("x", "0"), ("y", Html.N(py + 6)), ("class", "row-label pooled-label"));
        if (data.Pooled is { } pooled)
        {
            // DerSimonian–Laird's interval is not clipped by the library; an F1 cannot leave [0, 1], so the plot clips it.
            var ci = pooled.Ci95.ClipToUnit();
            var (l, c, r) = (X(ci.Lower), X(pooled.Estimate), X(ci.Upper));
            html.Void("polygon", ("points", $"{Html.N(l)},{Html.N(py)} {Html.N(c)},{Html.N(py - 12)} {Html.N(r)},{Html.N(py)} {Html.N(c)},{Html.N(py + 12)}"), ("class", "pooled-mark"))
                .Element("text", $"{Html.Metric(pooled.Estimate)} [{Html.Metric(ci.Lower)}, {Html.Metric(ci.Upper)}]", ("x", Html.N(TextLeft)), ("y", Html.N(py + 6)), ("class", "row-value pooled-value"));
        }
        else
        {
            // Only the verdict fits beside the plot; the caption under the figure gives the reason.
            html.Element("text", "not estimable", ("x", Html.N(TextLeft)), ("y", Html.N(py + 6)), ("class", "row-value muted"));
        }

        html.Close("g").Close("svg");
        return html.ToString();
    }

    /// <summary>The axis: from 0.1 below the lowest interval (rounded down to a tenth) to 1.</summary>
    private static (double Low, double High) Range(ForestData data)
    {
        var lows = data.Sites.Select(s => s.Ci?.Lower ?? s.Estimate).OfType<double>().ToList();
        if (data.Pooled is { } p)
        {
            lows.Add(p.Ci95.Lower);
        }

        var low = lows.Count == 0 ? 0 : Math.Floor(Math.Max(0, lows.Min()) * 10) / 10;
        return (Math.Min(low, 0.8), 1.0);
    }

    private static string Describe(ForestData data)
    {
        var parts = data.Sites.Select(s => s.Estimate is { } e ? $"{s.Site} {Html.Metric(e)}" : $"{s.Site} no estimate").ToList();
        parts.Add(data.Pooled is { } p
            ? $"pooled {Html.Metric(p.Estimate)} (95% CI {Html.Metric(p.Ci95.ClipToUnit().Lower)} to {Html.Metric(p.Ci95.ClipToUnit().Upper)}, I² {p.ISquared * 100:0}%)"
            : $"pooled {data.PooledNote}");
        return string.Join("; ", parts) + ".";
    }
}
