using Partages.Evaluation.Robustness;
using Partages.Coordinator.Dashboard;

namespace Partages.Coordinator.Dashboard.Pages;

/// <summary>
/// The robustness suite on the evaluation page (docs/data-quality.md, "Robustness"): per site and pooled, each
/// perturbation's figures against the clean run's and McNemar's test, the rows the CLI prints (<see cref="RobustnessRows"/>).
/// </summary>
internal static class RobustnessTable
{
    public static void Write(Html html, IReadOnlyList<RobustnessRow> rows) => DataTable.Write(
        html,
        "robustness-title",
        "Robustness",
        "robustness-table",
        "Each perturbation rewrote every report before inference (deterministic from the spec's seed). Δ is perturbed minus clean; the paired test is McNemar's exact test on the units right on one side only, pooled by adding the sites' counts. Under differential privacy each figure carries its 95% interval, which includes the noise.",
        RobustnessRows.Headings,
        rows,
        row => DataTable.Row(
            html,
            [("data-site", row.Site), ("data-perturbation", row.Perturbation), ("class", row.Site == "pooled" ? "site-overall" : null)],
            row.Site,
            (row.Perturbation, null),
            (row.Reports, "num"),
            (row.Accuracy, "num"),
            (row.MicroF1, "num"),
            (row.MacroF1, "num"),
            (row.Discordant, "num"),
            (row.McNemarP, "num"),
            (row.Privacy, null)));
}
