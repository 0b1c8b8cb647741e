using Partages.Coordinator.Dashboard.Results;

namespace Partages.Coordinator.Dashboard.Charts;

/// <summary>Pooled ROC curves, one per class against the rest, with the chance diagonal; each curve has its own colour and dash, and the legend gives its AUROC.</summary>
public static class RocChart
{
    private const double Left = 70, Top = 20, Size = 440, LegendLeft = 540;

    public static string Render(IReadOnlyList<RocData> curves, string id)
    {
        ArgumentNullException.ThrowIfNull(curves);
        double X(double fpr) => Left + fpr * Size;
        double Y(double tpr) => Top + (1 - tpr) * Size;
        var height = Top + Size + 70;
        var html = new Html();
        html.Open("svg", ("class", "chart roc"), ("viewBox", $"0 0 {Html.N(LegendLeft + 380)} {Html.N(Math.Max(height, 60 + curves.Count * 40))}"), ("role", "img"), ("aria-labelledby", $"{id}-title"), ("id", id))
            .Element("title", "Pooled ROC curves, one class against the rest: " + string.Join("; ", curves.Select(c => $"{c.Label} AUROC {Html.Metric(c.Summary.Auroc)}")), ("id", $"{id}-title"));
        for (var t = 0; t <= 10; t += 2)
        {
            var v = t / 10.0;
            html.Void("line", ("x1", Html.N(X(v))), ("x2", Html.N(X(v))), ("y1", Html.N(Top)), ("y2", Html.N(Top + Size)), ("class", "grid"))
                .Void("line", ("x1", Html.N(Left)), ("x2", Html.N(Left + Size)), ("y1", Html.N(Y(v))), ("y2", Html.N(Y(v))), ("class", "grid"))
                .Element("text", Html.N(v), ("x", Html.N(X(v))), ("y", Html.N(Top + Size + 26)), ("text-anchor", "middle"), ("class", "tick"))
                .Element("text", Html.N(v), ("x", Html.N(Left - 10)), ("y", Html.N(Y(v) + 6)), ("text-anchor", "end"), ("class", "tick"));
        }

        html.Void("rect", ("x", Html.N(Left)), ("y", Html.N(Top)), ("width", Html.N(Size)), ("height", Html.N(Size)), ("class", "frame"))
            .Void("line", ("x1", Html.N(X(0))), ("y1", Html.N(Y(0))), ("x2", Html.N(X(1))), ("y2", Html.N(Y(1))), ("class", "chance"))
            .Element("text", "False positive rate", ("x", Html.N(Left + Size / 2)), ("y", Html.N(Top + Size + 58)), ("text-anchor", "middle"), ("class", "axis-label"))
            .Element("text", "True positive rate", ("x", "18"), ("y", Html.N(Top + Size / 2)), ("text-anchor", "middle"), ("class", "axis-label"), ("transform", $"rotate(-90 18 {Html.N(Top + Size / 2)})"));
        for (var i = 0; i < curves.Count; i++)
        {
            var curve = curves[i];
            var colour = Palette.Series[i % Palette.Series.Length];
            var dash = Palette.Dashes[i % Palette.Dashes.Length];
            var legendY = Top + 20 + i * 40;
            html.Open("g", ("class", "roc-curve"), ("data-label", curve.Label));
            if (curve.Summary.Curve.Count > 0)
            {
                var points = string.Join(" ", curve.Summary.Curve.Select(p => $"{Html.N(X(p.FalsePositiveRate))},{Html.N(Y(p.TruePositiveRate))}"));
                html.Void("polyline", ("points", points), ("fill", "none"), ("stroke", colour), ("stroke-width", "3"), ("stroke-dasharray", dash.Length == 0 ? null : dash));
            }

            html.Void("line", ("x1", Html.N(LegendLeft)), ("x2", Html.N(LegendLeft + 44)), ("y1", Html.N(legendY)), ("y2", Html.N(legendY)), ("stroke", colour), ("stroke-width", "4"), ("stroke-dasharray", dash.Length == 0 ? null : dash))
                .Element("text", $"{curve.Label} — AUROC {Html.Metric(curve.Summary.Auroc)}", ("x", Html.N(LegendLeft + 56)), ("y", Html.N(legendY + 7)), ("class", "legend"))
                .Close("g");
        }

        html.Close("svg");
        return html.ToString();
    }
}
