using Partages.Coordinator.Dashboard.Results;
using Partages.Evaluation.Tasks.MultipleChoice;

namespace Partages.Coordinator.Dashboard.Pages;

/// <summary>
/// A multiple-choice result's own table on the evaluation page (docs/generative.md): per site and pooled, the
/// questions, the exact match ratio and the Hamming score with their intervals, the invalid-answer rate, the prompts
/// truncated and the answers by kind — the rows the CLI prints (<see cref="MultipleChoiceRows"/>).
/// </summary>
internal static class MultipleChoiceSectionView
{
    public static void Write(Html html, ResultsAnalysis results) => DataTable.Write(
        html,
        "mcq-title",
        "Multiple-choice QA: exact match ratio and Hamming score",
        "mcq-table",
        "Exact match ratio: questions whose chosen options are exactly the right ones. Hamming score (FrenchMedMCQA): per question |chosen ∩ right| / |chosen ∪ right|, averaged. An invalid answer (cut by a budget, unparsable, a letter not offered) scores 0. Intervals are 95%, including the noise under differential privacy.",
        MultipleChoiceRows.Headings,
        results.MultipleChoice,
        row =>
        {
            var pooled = row.Site == MultipleChoiceRows.Pooled;
            DataTable.Row(
                html,
                [("class", pooled ? "pooled-row" : null), ("data-site", row.Site)],
                pooled ? "Pooled (all sites)" : row.Site,
                (row.Questions, "num"),
                (row.ExactMatchRatio, "num exact-match"),
                (row.HammingScore, "num hamming"),
                (row.InvalidRate, "num invalid-rate"),
                (row.Truncated, "num"),
                (row.Outputs, null));
        });
}
