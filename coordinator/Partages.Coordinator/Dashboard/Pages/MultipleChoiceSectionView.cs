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
    public static void Write(Html html, ResultsAnalysis results)
    {
        if (results.MultipleChoice is not { Count: > 0 } rows)
        {
            return;
        }

        html.Element("h3", "Multiple-choice QA: exact match ratio and Hamming score", ("id", "mcq-title"))
            .Open("div", ("class", "table-wrap"))
            .Open("table", ("class", "data mcq-table"), ("aria-labelledby", "mcq-title"))
            .Element("caption", "Exact match ratio: questions whose chosen options are exactly the right ones. Hamming score (FrenchMedMCQA): per question |chosen ∩ right| / |chosen ∪ right|, averaged. An invalid answer (cut by a budget, unparsable, a letter not offered) scores 0. Intervals are 95%, including the noise under differential privacy.")
            .Open("thead").Open("tr");
        foreach (var heading in MultipleChoiceRows.Headings)
        {
            html.Element("th", heading, ("scope", "col"));
        }

        html.Close("tr").Close("thead").Open("tbody");
        foreach (var row in rows)
        {
            var pooled = row.Site == MultipleChoiceRows.Pooled;
            html.Open("tr", ("class", pooled ? "pooled-row" : null), ("data-site", row.Site))
                .Element("th", pooled ? "Pooled (all sites)" : row.Site, ("scope", "row"))
                .Element("td", row.Questions, ("class", "num"))
                .Element("td", row.ExactMatchRatio, ("class", "num exact-match"))
                .Element("td", row.HammingScore, ("class", "num hamming"))
                .Element("td", row.InvalidRate, ("class", "num invalid-rate"))
                .Element("td", row.Truncated, ("class", "num"))
                .Element("td", row.Outputs)
                .Close("tr");
        }

        html.Close("tbody").Close("table").Close("div");
    }
}
