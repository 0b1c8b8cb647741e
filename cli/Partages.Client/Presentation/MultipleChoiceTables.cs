using Partages.Evaluation.Results;
using Partages.Evaluation.Tasks.MultipleChoice;
using Spectre.Console;

namespace Partages.Client.Presentation;

/// <summary>
/// A multiple-choice result's own table (docs/generative.md): per site and pooled, the questions, the exact match
/// ratio and the Hamming score with their intervals, the invalid-answer rate, the prompts truncated and the answers by kind.
/// </summary>
public static class MultipleChoiceTables
{
    public static void Write(IAnsiConsole console, PooledResultDocument result)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(result);
        var rows = MultipleChoiceRows.From(result);
        if (rows.Count == 0)
        {
            return;
        }

        var table = new Table().Title("Multiple-choice QA (an invalid answer counts wrong; 95% intervals)");
        foreach (var (heading, i) in MultipleChoiceRows.Headings.Select((h, i) => (h, i)))
        {
            var column = new TableColumn(TerminalMarkup.Escape(heading));
            table.AddColumn(i is > 0 and < 6 ? column.RightAligned() : column);
        }

        foreach (var row in rows)
        {
            table.AddRow(
                row.Site == MultipleChoiceRows.Pooled ? "[bold]pooled[/]" : TerminalMarkup.Escape(row.Site),
                row.Questions,
                TerminalMarkup.Escape(row.ExactMatchRatio),
                TerminalMarkup.Escape(row.HammingScore),
                TerminalMarkup.Escape(row.InvalidRate),
                row.Truncated,
                TerminalMarkup.Escape(row.Outputs));
        }

        console.Write(table);
    }
}
