using Partages.Coordinator.Dashboard.Results;
using Partages.Evaluation.Tasks.GenerativeExtraction;

namespace Partages.Coordinator.Dashboard.Pages;

/// <summary>
/// A generative extraction's own table on the evaluation page (docs/generative.md): per site and pooled, each field's
/// accuracy with its interval, the reports generated, the invalid-output rate with its interval, the reports truncated
/// and the outputs by kind.
/// </summary>
internal static class GenerativeSectionView
{
    public static void Write(Html html, ResultsAnalysis results)
    {
        if (results.Generative is not { Count: > 0 } rows)
        {
            return;
        }

        var fields = rows[^1].Section.Fields.Select(f => f.Name).ToList();
        html.Element("h3", "Generative extraction: accuracy per field", ("id", "generative-title"))
            .Open("div", ("class", "table-wrap"))
            .Open("table", ("class", "data generative-table"), ("aria-labelledby", "generative-title"))
            .Element("caption", "Each field scored over its allowed values; an invalid output (cut by a budget, unparsable, a value outside the contract) counts wrong for every field. Intervals are 95% (Wilson, or including the noise under differential privacy).")
            .Open("thead").Open("tr");
        foreach (var heading in new[] { "Site" }.Concat(fields).Concat(["Reports", "Invalid-output rate [95% CI]", "Truncated", "Outputs by kind"]))
        {
            html.Element("th", heading, ("scope", "col"));
        }

        html.Close("tr").Close("thead").Open("tbody");
        for (var i = 0; i < rows.Count; i++)
        {
            var (site, section) = rows[i];
            html.Open("tr", ("class", i == rows.Count - 1 ? "pooled-row" : null), ("data-site", site)).Element("th", site, ("scope", "row"));
            foreach (var field in section.Fields)
            {
                html.Element("td", WithInterval(field.Result.Accuracy, field.Result.Intervals?.Accuracy?.CiLow, field.Result.Intervals?.Accuracy?.CiHigh), ("class", "num"));
            }

            html.Element("td", Html.Count(section.Generations), ("class", "num"))
                .Element("td", section.InvalidRate is null ? "not estimable" : WithInterval(section.InvalidRate, section.InvalidRateInterval?.CiLow, section.InvalidRateInterval?.CiHigh), ("class", "num invalid-rate"))
                .Element("td", Html.Count(section.Truncated), ("class", "num"))
                .Element("td", string.Join(", ", section.Outputs.Where(o => o.Value != 0).Select(o => $"{o.Key} {o.Value}")))
                .Close("tr");
        }

        html.Close("tbody").Close("table").Close("div");
    }

    private static string WithInterval(double? value, double? low, double? high) =>
        value is not null && low is { } l && high is { } h ? $"{Html.Metric(value)} [{Html.Metric(l)}, {Html.Metric(h)}]" : Html.Metric(value);
}
