using Partages.Evaluation.Tasks.GenerativeExtraction;

namespace Partages.Cli.Tests.Output;

/// <summary>A generative extraction's per-field table and invalid-output rate in the console table. Unit level.</summary>
public sealed class GenerativeOutputTests
{
    private static readonly OutputField[] Fields = [new("EGFR", ["positif", "négatif"]), new("ALK", ["positif", "négatif"])];

    [Test]
    public void Table_GenerativeResult_PerFieldAccuracyAndInvalidRate()
    {
        var output = TableText.Write(Evaluation());

        output.Should().Contain("Per field: accuracy [95% CI]");
        output.Should().MatchRegex(@"site-a\s*│\s*0\.750 \[0\.\d{3}, 0\.\d{3}\]\s*│\s*0\.500 \[", "EGFR 3 of 4, ALK 2 of 4");
        output.Should().MatchRegex(@"│\s*4\s*│\s*0\.250 \[0\.\d{3}, 0\.\d{3}\]\s*│\s*1\s*│", "one of four outputs invalid, one report truncated");
        output.Should().Contain("Pooled, field ALK").And.Contain("token_budget 1");
    }

    private static EvaluationView Evaluation()
    {
        var egfr = new ClassificationCounts(OutputContract.MatrixLabels(Fields[0]));
        var alk = new ClassificationCounts(OutputContract.MatrixLabels(Fields[1]));
        // Three valid outputs (EGFR all right, ALK one wrong) and one cut by the token budget (wrong for both fields).
        egfr.Add(0, 0);
        egfr.Add(1, 1);
        egfr.Add(1, 1);
        egfr.Add(0, 2);
        alk.Add(1, 1);
        alk.Add(1, 1);
        alk.Add(0, 1);
        alk.Add(1, 2);
        var outputs = new Dictionary<string, long> { [GenerativeSection.Valid] = 3, [InvalidKinds.TokenBudget] = 1 };
        var site = GenerativeResults.Build(
            GenerativeExtractionTask.TaskName,
            Fields,
            [egfr, alk],
            outputs,
            truncated: 1,
            new DecodingRecord(DecodingRecord.Greedy, 32, null, DecodingRecord.EngineLogitMask),
            new InputSummary { DocumentsRead = 4, DocumentsEvaluated = 4 }) with { Release = new ReleaseSection() };
        return FinishedEvaluation.Of("eval-1", "extraction", ReleasedResults.Pooled(GenerativeExtractionTask.TaskName, site, ("site-a", site)));
    }
}
