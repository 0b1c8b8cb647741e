using Partages.Evaluation.Tasks.GenerativeExtraction;
using Partages.Evaluation.Tasks.MultipleChoice;

// Outside the Partages.Dashboard.Tests namespace on purpose: no federation or browser is needed (see EdsNlpTableTests).
namespace Partages.Dashboard.Rendering.Tests;

/// <summary>A multiple-choice result's table on the evaluation page: EMR and Hamming score with intervals, per site and pooled.</summary>
public sealed class MultipleChoiceTableTests
{
    private static readonly string[] Letters = ["A", "B", "C", "D", "E"];

    [Test]
    public void RenderPage_MultipleChoiceResult_EmrAndHammingPerSiteAndPooled()
    {
        var pooled = PooledResultDocument.Pool(MultipleChoiceTask.TaskName, Letters,
            new Dictionary<string, ResultDocument>(StringComparer.Ordinal) { ["site-0"] = Site(exact: 3, invalid: 1), ["site-1"] = Site(exact: 4, invalid: 0) }, []);

        var html = EvaluationPages.Render(pooled, Letters, "mcq", "mcq");

        html.Should().Contain("Multiple-choice QA: exact match ratio and Hamming score");
        html.Should().MatchRegex(@"data-site=""site-0""><th scope=""row"">site-0</th><td class=""num"">4</td><td class=""num exact-match"">0\.750 \[");
        html.Should().MatchRegex(@"<td class=""num invalid-rate"">0\.125 \[0\.\d{3}, 0\.\d{3}\]</td>", "1 invalid of 8 questions pooled");
        html.Should().Contain("token_budget 1");
    }

    private static ResultDocument Site(int exact, int invalid)
    {
        var counts = new MultipleChoiceCounts(Letters.Length);
        var gold = new HashSet<string>(["A"], StringComparer.Ordinal);
        for (var i = 0; i < exact; i++)
        {
            counts.Add(gold, gold, MultipleChoiceSection.Valid, truncated: false);
        }

        for (var i = 0; i < invalid; i++)
        {
            counts.Add(gold, null, AnswerInvalidKinds.TokenBudget, truncated: false);
        }

        var n = exact + invalid;
        return MultipleChoiceResults.Build(MultipleChoiceTask.TaskName, counts.Bins, counts.Histogram, counts.Outputs, 0,
            new DecodingRecord(DecodingRecord.Greedy, 24, null, DecodingRecord.EngineLogitMask), new InputSummary { DocumentsRead = n, DocumentsEvaluated = n }, new ReleaseSection());
    }
}
