using Partages.Evaluation.Tasks.GenerativeExtraction;
using Partages.Evaluation.Tasks.MultipleChoice;

namespace Partages.Cli.Tests.Output;

/// <summary>A multiple-choice result in the console table, Markdown and CSV: EMR and Hamming score with intervals. Unit level.</summary>
public sealed class MultipleChoiceOutputTests
{
    [Test]
    public void Table_MultipleChoiceResult_EmrHammingAndInvalidRate()
    {
        var output = TableText.Write(Evaluation());

        output.Should().Contain("Multiple-choice QA");
        output.Should().MatchRegex(@"site-a\s*│\s*4\s*│\s*0\.250 \[0\.\d{3}, 0\.\d{3}\]\s*│\s*0\.542 \[[01]\.\d{3}, [01]\.\d{3}\]\s*│\s*0\.250 \[", "EMR 1/4, Hamming (1 + 1/2 + 2/3 + 0)/4");
        output.Should().Contain("unparsable 1");
    }

    [Test]
    public void MarkdownAndCsv_MultipleChoiceResult_FiguresBinsAndOutcomes()
    {
        var evaluation = Evaluation();

        var markdown = ResultFormats.Markdown(evaluation);
        var csv = ResultFormats.Csv(evaluation);

        markdown.Should().Contain("## Multiple-choice QA").And.MatchRegex(@"\| \*\*pooled\*\* \| 4 \| 0\.250 \[");
        csv.Should().Contain("site-a,exact_match_ratio,,,0.25\n").And.Contain("site-a,hamming_bin,2/3,,1\n").And.Contain("pooled,outputs,unparsable,,1\n");
        csv.Should().MatchRegex(@"pooled,hamming_score,,,0\.541666");
    }

    private static EvaluationView Evaluation()
    {
        var counts = new MultipleChoiceCounts(5);
        HashSet<string> Set(params string[] letters) => new(letters, StringComparer.Ordinal);
        counts.Add(Set("A", "C"), Set("A", "C"), MultipleChoiceSection.Valid, truncated: false);
        counts.Add(Set("A", "C"), Set("A"), MultipleChoiceSection.Valid, truncated: false);
        counts.Add(Set("A", "C"), Set("A", "B", "C"), MultipleChoiceSection.Valid, truncated: false);
        counts.Add(Set("B"), null, AnswerInvalidKinds.Unparsable, truncated: false);
        var site = MultipleChoiceResults.Build(
            MultipleChoiceTask.TaskName, counts.Bins, counts.Histogram, counts.Outputs, counts.Truncated,
            new DecodingRecord(DecodingRecord.Greedy, 24, null, DecodingRecord.EngineLogitMask),
            new InputSummary { DocumentsRead = 4, DocumentsEvaluated = 4 }, new ReleaseSection());
        return FinishedEvaluation.Of("eval-1", "mcq", ReleasedResults.Pooled(MultipleChoiceTask.TaskName, site, ("site-a", site)));
    }
}
