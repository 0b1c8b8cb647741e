using System.Text.Json;
using Partages.Evaluation.Robustness;
using Partages.NodeAgent.Engine.LocalMode;
using Partages.NodeAgent.Engine.Tests.Ner;

namespace Partages.NodeAgent.Engine.Tests.Robustness;

/// <summary>The engine's robustness passes: each perturbed run equals a clean run on the hand-perturbed dataset, paired unit by unit.</summary>
public sealed class RobustnessEngineTests : EngineJobTestBase
{
    private static readonly string[] Documents =
    [
        Line("d1", "souche sarm", "SARM"),
        Line("d2", "sarm blse", "SARM"),
        Line("d3", "blse", "BLSE"),
        Line("d4", "la souche epc", "EPC"),
        Line("d5", "souche sensible", "sensible"),
        Line("d6", "epc", "SARM"),
        Line("d7", "la souche est sensible", "EPC"),
    ];

    // truncate(words=1) by hand: each report's first word.
    private static readonly string[] FirstWords =
    [
        Line("d1", "souche", "SARM"),
        Line("d2", "sarm", "SARM"),
        Line("d3", "blse", "BLSE"),
        Line("d4", "la", "EPC"),
        Line("d5", "souche", "sensible"),
        Line("d6", "epc", "SARM"),
        Line("d7", "la", "EPC"),
    ];

    [Test]
    public async Task EvaluateAsync_TruncationSuite_PerturbedResultAndPairedCountsMatchTheHandPerturbedRun()
    {
        var clean = await PredictAsync(Job(Documents));
        var byHand = await PredictAsync(Job(FirstWords));
        var spec = Spec with { Robustness = [new RobustnessCheck("truncate", new Dictionary<string, string> { ["words"] = "1" }, 7)] };
        var job = Job(Documents) with { Spec = spec };

        var result = await new EvaluationEngine(new EvaluationEngineOptions { BatchSize = 2 }).EvaluateAsync(job, null, CancellationToken.None);

        var outcome = result.Robustness!.Perturbations.Should().ContainSingle().Subject;
        outcome.Perturbation.Should().Be("truncate(words=1)");
        outcome.Seed.Should().Be(7);
        outcome.ReportsChanged.Should().Be(5);
        outcome.ReportsUnchanged.Should().Be(2, "d3 and d6 have one word: counted, not dropped");
        outcome.Result.ConfusionMatrix.Matrix.Should().BeEquivalentTo(byHand.Result.ConfusionMatrix.Matrix, o => o.WithStrictOrdering());
        clean.Right.Should().HaveCount(Documents.Length);
        var cleanOnly = clean.Right.Keys.Count(id => clean.Right[id] && !byHand.Right[id]);
        var perturbedOnly = clean.Right.Keys.Count(id => !clean.Right[id] && byHand.Right[id]);
        (cleanOnly + perturbedOnly).Should().BeGreaterThan(0, "the test must exercise a discordant pair");
        outcome.Paired.Should().BeEquivalentTo(new { Unit = PairedOutcomes.DocumentUnit, CleanOnly = cleanOnly, PerturbedOnly = perturbedOnly });
        outcome.Paired.McNemar!.PValue.Should().Be(Partages.Evaluation.Metrics.Agreement.McNemar.ExactPValue(cleanOnly, perturbedOnly));
        outcome.Change!.Accuracy!.Delta.Should().BeApproximately(byHand.Result.Accuracy!.Value - clean.Result.Accuracy!.Value, 1e-12);
        result.ConfusionMatrix.Matrix.Should().BeEquivalentTo(clean.Result.ConfusionMatrix.Matrix, o => o.WithStrictOrdering());
    }

    [Test]
    public async Task EvaluateAsync_SameSeedTwice_SameSuiteBytes()
    {
        var spec = Spec with { Robustness = [new RobustnessCheck("typos", new Dictionary<string, string> { ["rate"] = "0.3" }, 11)] };

        var first = await new EvaluationEngine().EvaluateAsync(Job(Documents) with { Spec = spec }, null, CancellationToken.None);
        var second = await new EvaluationEngine().EvaluateAsync(Job(Documents) with { Spec = spec }, null, CancellationToken.None);

        ResultJson.Serialize(first).Should().Be(ResultJson.Serialize(second));
        first.Robustness!.Perturbations[0].ReportsChanged.Should().BePositive();
    }

    [Test]
    public async Task EvaluateAsync_EntitySuite_LostEntityCountedMissedOncePerturbed()
    {
        var graph = new TokenTableGraph
        {
            Words = ["le", "her2", "egfr", "score", "3", "positif"],
            TagOf = new Dictionary<string, int> { ["her2"] = 1, ["egfr"] = 1 },
            MaxLength = 16,
        };
        const string text = "le her2 le egfr";
        var gold = new[] { new { start = 3, end = 7, label = "BIOMARKER" }, new { start = 11, end = 15, label = "BIOMARKER" } };
        var spec = TokenTableGraph.OncologySpec with { Robustness = [new RobustnessCheck("truncate", new Dictionary<string, string> { ["words"] = "2" }, 1)] };
        var bundle = Temp.File("ner.zip");
        await File.WriteAllBytesAsync(bundle, graph.ToBundle());
        var dataset = Temp.File("ner.jsonl");
        await File.WriteAllTextAsync(dataset, JsonSerializer.Serialize(new { id = "n1", text, entities = gold }) + "\n");
        var job = new EvaluationJob(bundle, spec, new DatasetDefinition("oncology", dataset, DatasetFormats.Jsonl));

        var result = await new EvaluationEngine().EvaluateAsync(job, null, CancellationToken.None);

        result.Schemes!["strict"].Overall.Correct.Should().Be(2);
        var outcome = result.Robustness!.Perturbations.Should().ContainSingle().Subject;
        outcome.EntitiesLost.Should().Be(1);
        outcome.Paired.Should().BeEquivalentTo(new { Unit = PairedOutcomes.EntityUnit, CleanOnly = 1L, PerturbedOnly = 0L });
        outcome.Result.Schemes!["strict"].Overall.Correct.Should().Be(1, "her2 is still found in 'le her2'");
    }

    [Test]
    public async Task EvaluateAsync_MultiLabelSuite_DocumentRightWhenItsPredictedSetIsTheGoldSet()
    {
        // Predicted set = the keywords present (threshold 0.7). truncate(words=2): m1 loses "sarm" (right → wrong),
        // m2 loses "blse" (wrong → right), m3 has two words (unchanged, still right).
        var manifest = Manifest with { Task = TaskTypes.MultiLabelClassification, Threshold = 0.7 };
        var spec = Spec with
        {
            Task = TaskTypes.MultiLabelClassification,
            Robustness = [new RobustnessCheck("truncate", new Dictionary<string, string> { ["words"] = "2" }, 5)],
        };
        var job = Job(
            manifest,
            null,
            """{"id":"m1","text":"souche blse sarm","labels":["BLSE","SARM"]}""",
            """{"id":"m2","text":"souche epc blse","labels":["EPC"]}""",
            """{"id":"m3","text":"souche epc","labels":["EPC"]}""") with { Spec = spec };

        var result = await new EvaluationEngine().EvaluateAsync(job, null, CancellationToken.None);

        var outcome = result.Robustness!.Perturbations.Should().ContainSingle().Subject;
        outcome.Paired.Should().BeEquivalentTo(new { Unit = PairedOutcomes.DocumentUnit, CleanOnly = 1L, PerturbedOnly = 1L });
        outcome.ReportsUnchanged.Should().Be(1);
        outcome.Result.MultiLabel!.ExactMatches.Should().Be(2);
        result.MultiLabel!.ExactMatches.Should().Be(2);
    }

    private static async Task<(ResultDocument Result, Dictionary<string, bool> Right)> PredictAsync(EvaluationJob job)
    {
        var sink = new RecordingSink();
        var result = await new EvaluationEngine().EvaluateLocallyAsync(job, sink, null, CancellationToken.None);
        return (result, sink.Predictions.ToDictionary(p => p.Id, p => p.Gold.SequenceEqual(p.Predicted)));
    }

    private sealed class RecordingSink : IPredictionSink
    {
        public List<DocumentPrediction> Predictions { get; } = [];

        public void Write(DocumentPrediction prediction) => Predictions.Add(prediction);
    }
}
