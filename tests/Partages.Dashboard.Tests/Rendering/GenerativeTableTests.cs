using Partages.Evaluation.Tasks.GenerativeExtraction;

// Outside the Partages.Dashboard.Tests namespace on purpose: no federation or browser is needed (see EdsNlpTableTests).
namespace Partages.Dashboard.Rendering.Tests;

/// <summary>A generative extraction's table on the evaluation page: per-field accuracy and the invalid-output rate, per site and pooled.</summary>
public sealed class GenerativeTableTests
{
    private static readonly OutputField[] Fields = [new("EGFR", ["positif", "négatif"])];

    [Test]
    public void RenderPage_GenerativeResult_PerFieldAccuracyAndInvalidRatePerSiteAndPooled()
    {
        var pooled = PooledResultDocument.Pool(GenerativeExtractionTask.TaskName, ["EGFR"],
            new Dictionary<string, ResultDocument>(StringComparer.Ordinal) { ["site-0"] = Site(right: 3, invalid: 1), ["site-1"] = Site(right: 4, invalid: 0) }, []);

        var html = EvaluationPages.Render(pooled, ["EGFR"], "extraction", "oncology-extraction");

        html.Should().Contain("Generative extraction: accuracy per field");
        html.Should().MatchRegex(@"data-site=""site-0""><th scope=""row"">site-0</th><td class=""num"">0\.750 \[");
        html.Should().MatchRegex(@"<td class=""num invalid-rate"">0\.125 \[0\.\d{3}, 0\.\d{3}\]</td>", "1 invalid of 8 reports pooled");
        html.Should().Contain("token_budget 1");
    }

    private static ResultDocument Site(int right, int invalid)
    {
        var counts = new ClassificationCounts(OutputContract.MatrixLabels(Fields[0]));
        counts.Add(0, 0, right);
        counts.Add(1, 2, invalid);
        var outputs = new Dictionary<string, long> { [GenerativeSection.Valid] = right, [InvalidKinds.TokenBudget] = invalid };
        var n = right + invalid;
        return GenerativeResults.Build(GenerativeExtractionTask.TaskName, Fields, [counts], outputs, 0,
            new DecodingRecord(DecodingRecord.Greedy, 32, null, DecodingRecord.EngineLogitMask), new InputSummary { DocumentsRead = n, DocumentsEvaluated = n }) with { Release = new ReleaseSection() };
    }
}
