namespace Partages.NodeAgent.Engine.Tests.Ner;

/// <summary>EDS-NLP's metrics through the engine, when the spec asks for them (docs/ner.md, "EDS-NLP metrics").</summary>
public sealed class NerEdsNlpTests
{
    private static readonly TokenTableGraph Graph = new()
    {
        Words = ["le", "her2", "egfr", "score", "3", "positif"],
        TagOf = new Dictionary<string, int> { ["her2"] = 1, ["egfr"] = 1, ["score"] = 3, ["3"] = 4, ["positif"] = 3 },
    };

    [Test]
    public async Task EvaluateAsync_SpecAsksEdsNlpMetrics_CountedOnWordTokensAsEdsNlpDoes()
    {
        using var directory = new TestDirectory();
        // Gold BIOMARKER "her2 positif", STATUS "le"; the model predicts BIOMARKER "her2", STATUS "positif".
        var spec = TokenTableGraph.OncologySpec with { Metrics = ["f1", .. EdsNlpMetrics.All] };

        var result = await EvaluateAsync(directory, spec, "her2 positif le", [(0, 12, "BIOMARKER"), (13, 15, "STATUS")]);

        var eds = result.EdsNlp!;
        eds.OverlapThreshold.Should().Be(0.5);
        eds.Metrics[EdsNlpMetrics.Exact].Micro.Should().Match<EdsNlpScore>(s => s.Tp == 0 && s.Positives == 2 && s.Support == 2);
        // Tokens: pred {her2/B, positif/S}, gold {her2/B, positif/B, le/S}: one in common.
        eds.Metrics[EdsNlpMetrics.Token].Micro.Should().Match<EdsNlpScore>(s => s.Tp == 1 && s.Positives == 2 && s.Support == 3);
        eds.Metrics[EdsNlpMetrics.Token].Micro.F1.Should().BeApproximately(0.4, 1e-12);
        // "her2" against "her2 positif": Dice 2·1/3 ≥ 0.5, both ways; "positif"/STATUS meets no STATUS span.
        eds.Metrics[EdsNlpMetrics.Overlap].Micro.Should().Match<EdsNlpScore>(s => s.Tp == 1 && s.TrueGold == 1 && s.Positives == 2 && s.Support == 2);
        eds.Metrics[EdsNlpMetrics.Overlap].PerType["BIOMARKER"].F1.Should().Be(1.0);
    }

    [Test]
    public async Task EvaluateAsync_SpecWithoutEdsNlpMetrics_NoSection()
    {
        using var directory = new TestDirectory();

        var result = await EvaluateAsync(directory, TokenTableGraph.OncologySpec, "her2 positif le", [(0, 12, "BIOMARKER")]);

        result.EdsNlp.Should().BeNull();
        ResultJson.Serialize(result).Should().NotContain("edsnlp");
    }

    private static async Task<ResultDocument> EvaluateAsync(TestDirectory directory, EvaluationSpec spec, string text, IReadOnlyList<(int Start, int End, string Label)> entities)
    {
        var job = await NerJobFiles.WriteAsync(directory, Graph.ToBundle(), spec, [("d", text, entities)]);
        return await new EvaluationEngine().EvaluateAsync(job, null, CancellationToken.None);
    }
}
