using System.Globalization;

namespace Partages.Coordinator.Dashboard.Charts;

/// <summary>
/// The pooled confusion matrix as an SVG heat map: rows are gold labels, columns predicted labels; each cell's
/// shade is its share of the gold row (so a row reads as that class's recall and errors), and it shows the count
/// and that share in text that keeps its contrast on any shade.
/// </summary>
public static class ConfusionHeatmap
{
    private const double MinCell = 104, MinLeft = 190, Top = 96;

    /// <summary>Roughly the width of one character of an axis label (18 px, bold), to keep long labels apart.</summary>
    private const double LabelCharWidth = 11.5;

    public static string Render(IReadOnlyList<string> labels, long[][] matrix, string id)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(matrix);
        var k = labels.Count;
        // Entity types are long words (BIOMARKER): widen the cells and the row-label column so that labels never overlap.
        var longest = labels.Count == 0 ? 0 : labels.Max(l => l.Length);
        var cell = Math.Max(MinCell, longest * LabelCharWidth + 16);
        var left = Math.Max(MinLeft, longest * LabelCharWidth + 24);
        var width = left + k * cell + 10;
        var height = Top + k * cell + 10;
        var html = new Html();
        html.Open("svg", ("class", "chart heatmap"), ("viewBox", $"0 0 {Html.N(width)} {Html.N(height)}"), ("role", "img"), ("aria-labelledby", $"{id}-title"), ("id", id))
            .Element("title", "Pooled confusion matrix: rows are the gold labels, columns the predicted labels; shade is the share of the gold row.", ("id", $"{id}-title"))
            .Element("text", "Predicted →", ("x", Html.N(left)), ("y", "24"), ("class", "chart-head"))
            .Element("text", "Gold ↓", ("x", "0"), ("y", Html.N(Top - 14)), ("class", "chart-head"));
        for (var p = 0; p < k; p++)
        {
            html.Element("text", labels[p], ("x", Html.N(left + p * cell + cell / 2)), ("y", Html.N(Top - 14)), ("text-anchor", "middle"), ("class", "axis-label"));
        }

        for (var g = 0; g < k; g++)
        {
            var rowTotal = matrix[g].Sum();
            var y = Top + g * cell;
            html.Element("text", labels[g], ("x", "0"), ("y", Html.N(y + cell / 2 + 7)), ("class", "axis-label"));
            for (var p = 0; p < k; p++)
            {
                var count = matrix[g][p];
                var share = rowTotal == 0 ? 0 : (double)count / rowTotal;
                var fill = Palette.Scale(share);
                // A class, not a fill attribute: the stylesheet's text colour would win over an attribute.
                var ink = Palette.TextOn(fill) == "#FFFFFF" ? "ink-light" : "ink-dark";
                var x = left + p * cell;
                html.Open("g", ("class", g == p ? "cell diagonal" : "cell"))
                    .Void("rect", ("x", Html.N(x + 2)), ("y", Html.N(y + 2)), ("width", Html.N(cell - 4)), ("height", Html.N(cell - 4)), ("fill", fill), ("rx", "4"), ("class", "cell-box"))
                    .Element("text", Html.Count(count), ("x", Html.N(x + cell / 2)), ("y", Html.N(y + cell / 2 + 2)), ("text-anchor", "middle"), ("class", $"cell-count {ink}"))
                    .Element("text", share.ToString("0%", CultureInfo.InvariantCulture), ("x", Html.N(x + cell / 2)), ("y", Html.N(y + cell / 2 + 28)), ("text-anchor", "middle"), ("class", $"cell-share {ink}"))
                    .Close("g");
            }
        }

        html.Close("svg");
        return html.ToString();
    }
}
