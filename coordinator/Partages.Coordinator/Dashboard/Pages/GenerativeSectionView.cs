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
        if (results.Generative is not { Count: > 0 } sections)
        {
            return;
        }

        var fields = sections[^1].Section.Fields.Select(f => f.Name).ToList();
        // The pool's row comes last.
        var rows = sections.Select((s, i) => (s.Site, s.Section, Pooled: i == sections.Count - 1)).ToList();
        DataTable.Write(
            html,
            "generative-title",
            "Generative extraction: accuracy per field",
            "generative-table",
            "Each field scored over its allowed values; an invalid output (cut by a budget, unparsable, a value outside the contract) counts wrong for every field. Intervals are 95% (Wilson, or including the noise under differential privacy).",
            new[] { "Site" }.Concat(fields).Concat(["Reports", "Invalid-output rate [95% CI]", "Truncated", "Outputs by kind"]),
            rows,
            row => DataTable.Row(
                html,
                [("class", row.Pooled ? "pooled-row" : null), ("data-site", row.Site)],
                row.Site,
                [
                    .. row.Section.Fields.Select(f => ((string?)Html.MetricWithInterval(f.Result.Accuracy, f.Result.Intervals?.Accuracy?.CiLow, f.Result.Intervals?.Accuracy?.CiHigh), (string?)"num")),
                    (Html.Count(row.Section.Generations), "num"),
                    (row.Section.InvalidRate is null ? "not estimable" : Html.MetricWithInterval(row.Section.InvalidRate, row.Section.InvalidRateInterval?.CiLow, row.Section.InvalidRateInterval?.CiHigh), "num invalid-rate"),
                    (Html.Count(row.Section.Truncated), "num"),
                    (string.Join(", ", row.Section.Outputs.Where(o => o.Value != 0).Select(o => $"{o.Key} {o.Value}")), null),
                ]));
    }
}
