using Partages.Evaluation.Robustness;
using Partages.Coordinator.Dashboard;

namespace Partages.Coordinator.Dashboard.Pages;

/// <summary>
/// The robustness suite on the evaluation page (docs/data-quality.md, "Robustness"): per site and pooled, each
/// perturbation's figures against the clean run's and McNemar's test, the rows the CLI prints (<see cref="RobustnessRows"/>).
/// </summary>
internal static class RobustnessTable
{
    public static void Write(Html html, IReadOnlyList<RobustnessRow> rows)
    {
        if (rows.Count == 0)
        {
            return;
        }

        html.Element("h3", "Robustness", ("id", "robustness-title"))
            .Open("div", ("class", "table-wrap"))
            .Open("table", ("class", "data robustness-table"), ("aria-labelledby", "robustness-title"))
            .Element("caption", "Each perturbation rewrote every report before inference (deterministic from the spec's seed). Δ is perturbed minus clean; the paired test is McNemar's exact test on the units right on one side only, pooled by adding the sites' counts. Under differential privacy each figure carries its 95% interval, which includes the noise.")
            .Open("thead").Open("tr");
        foreach (var heading in RobustnessRows.Headings)
        {
            html.Element("th", heading, ("scope", "col"));
        }

        html.Close("tr").Close("thead").Open("tbody");
        foreach (var row in rows)
        {
            html.Open("tr", ("data-site", row.Site), ("data-perturbation", row.Perturbation), ("class", row.Site == "pooled" ? "site-overall" : null))
                .Element("th", row.Site, ("scope", "row"))
                .Element("td", row.Perturbation)
                .Element("td", row.Reports, ("class", "num"))
                .Element("td", row.Accuracy, ("class", "num"))
                .Element("td", row.MicroF1, ("class", "num"))
                .Element("td", row.MacroF1, ("class", "num"))
                .Element("td", row.Discordant, ("class", "num"))
                .Element("td", row.McNemarP, ("class", "num"))
                .Element("td", row.Privacy)
                .Close("tr");
        }

        html.Close("tbody").Close("table").Close("div");
    }
}
