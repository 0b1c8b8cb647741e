using Partages.NodeAgent.Engine.LocalMode;

namespace Partages.NodeAgent.Engine.Tests.Scoring;

/// <summary>
/// The score statistics the engine adds beside the confusion matrix (histograms, calibration), and local mode's
/// per-document predictions, on the keyword graph, whose logits are known: class 0 (sensible) 0.5, and a keyword's
/// weight for its class (blse 1, sarm 2, epc 3) when present.
/// </summary>
public sealed class ScoreStatisticsTests : TempDirectoryTestBase
{
    // (id, text, gold, logits in the manifest's order: sensible, BLSE, SARM, EPC)
    private static readonly (string Id, string Text, string Gold, float[]? Logits)[] Documents =
    [
        ("d1", "la souche est sensible", "sensible", [0.5f, 0, 0, 0]),
        ("d2", "e coli blse", "BLSE", [0.5f, 1, 0, 0]),
        ("d3", "souche sarm", "SARM", [0.5f, 0, 2, 0]),
        ("d4", "sarm , blse", "SARM", [0.5f, 1, 2, 0]),
        ("d5", "souche epc", "EPC", [0.5f, 0, 0, 3]),
        ("d6", "blse", "EPC", [0.5f, 1, 0, 0]),
        ("d7", "souche poison", "sensible", null),
    ];

    [Test]
    public async Task EvaluateAsync_HandMadeDataset_HistogramsHoldEachDocumentOncePerClassAtItsSoftmax()
    {
        var result = await new EvaluationEngine(new EvaluationEngineOptions { BatchSize = 2 }).EvaluateAsync(Job(), null, CancellationToken.None);

        var expected = new OneVsRestHistograms(SpecLabels);
        var expectedCalibration = new CalibrationStatistics();
        foreach (var (_, _, gold, logits) in Documents.Where(d => d.Logits is not null))
        {
            var manifestOrder = Softmax(logits!);
            expected.Add(Array.IndexOf(SpecLabels, gold), [.. SpecLabels.Select(l => manifestOrder[Array.IndexOf(ManifestLabels, l)])]);
            expectedCalibration.Add(Array.IndexOf(ManifestLabels, gold), manifestOrder);
        }

        result.NDocuments.Should().Be(6, "the NaN document is skipped, not counted");
        var histograms = result.ToHistograms()!;
        histograms.Labels.Should().Equal(SpecLabels);
        for (var c = 0; c < SpecLabels.Length; c++)
        {
            histograms[c].PositiveCount.Should().Be(result.PerClass[SpecLabels[c]].Support);
            (histograms[c].PositiveCount + histograms[c].NegativeCount).Should().Be(result.NDocuments);
            histograms[c].HasSameCounts(expected[c]).Should().BeTrue($"class {SpecLabels[c]} holds each document at its softmax probability");
        }

        result.Calibration.Should().BeEquivalentTo(ResultDocument.FromStatistics("t", new ClassificationCounts(SpecLabels), null, expectedCalibration, new InputSummary()).Calibration);
        // P(EPC): d1 0.215, d2 0.157, d3 0.091, d4 0.078 (negatives); d5 0.846, d6 0.157 (positives, d6's logits are
        // d2's). d5 beats all 4 negatives, d6 beats d3 and d4 and ties d2: (4 + 2.5) / 8.
        result.Auroc!["EPC"].Value.Should().Be(6.5 / 8);
        // Only d6 (EPC, predicted BLSE) is wrong.
        result.Intervals!.Accuracy.Should().Be(Interval.From(Wilson.Interval(5, 6)));
    }

    [Test]
    public async Task EvaluateLocallyAsync_WithASink_GetsOnePredictionPerScoredDocumentMatchingTheMatrix()
    {
        var sink = new RecordingSink();

        var result = await new EvaluationEngine(new EvaluationEngineOptions { BatchSize = 2 }).EvaluateLocallyAsync(Job(), sink, null, CancellationToken.None);

        result.MultiLabel.Should().BeNull();
        sink.Predictions.Select(p => p.Id).Should().BeEquivalentTo(["d1", "d2", "d3", "d4", "d5", "d6"], "d7's logits are NaN: no prediction");
        var d6 = sink.Predictions.Single(p => p.Id == "d6");
        d6.Gold.Should().Equal("EPC");
        d6.Predicted.Should().Equal("BLSE");
        d6.Scores.Select(s => s.Key).Should().Equal(SpecLabels);
        var softmax = Softmax([0.5f, 1, 0, 0]);
        d6.Scores.Single(s => s.Key == "BLSE").Value.Should().Be(softmax[1]);
        foreach (var prediction in sink.Predictions)
        {
            prediction.Scores.Sum(s => s.Value).Should().BeApproximately(1, 1e-12);
        }

        // Every (gold, pred) pair of the predictions file is one cell of the released matrix.
        var matrix = result.ConfusionMatrix;
        foreach (var group in sink.Predictions.GroupBy(p => (p.Gold[0], p.Predicted[0])))
        {
            matrix.Matrix[matrix.Labels.ToList().IndexOf(group.Key.Item1)][matrix.Labels.ToList().IndexOf(group.Key.Item2)].Should().Be(group.Count());
        }

        ResultJson.Serialize(result).Should().Be(
            ResultJson.Serialize(await new EvaluationEngine(new EvaluationEngineOptions { BatchSize = 2 }).EvaluateAsync(Job(), null, CancellationToken.None)),
            "local mode prints what a node would release");
    }

    [Test]
    public async Task EvaluateLocallyAsync_MultiLabel_PredictsTheLabelsAtOrAboveTheThreshold()
    {
        var sink = new RecordingSink();
        var manifest = Manifest with { Task = TaskTypes.MultiLabelClassification, Threshold = 0.7 };
        var spec = Spec with { Task = TaskTypes.MultiLabelClassification };
        var job = Job(manifest, spec, """{"id":"m1","text":"souche blse sarm","labels":["BLSE","SARM"]}""", """{"id":"m2","text":"souche","labels":[]}""");

        var local = await new EvaluationEngine().EvaluateLocallyAsync(job, sink, null, CancellationToken.None);

        local.NDocuments.Should().Be(2);
        local.MultiLabel.Should().Be(new MultiLabelSection(0.7, 2), "m1 predicts exactly its gold set, m2 predicts nothing and has no gold label");
        ResultJson.Serialize(local).Should().Be(
            ResultJson.Serialize(await new EvaluationEngine().EvaluateAsync(job, null, CancellationToken.None)),
            "local mode prints the results/v1 document a node would hand to its release gate");
        var m1 = sink.Predictions.Single(p => p.Id == "m1");
        m1.Gold.Should().BeEquivalentTo(["BLSE", "SARM"]);
        m1.Predicted.Should().BeEquivalentTo(["BLSE", "SARM"]);
        m1.Scores.Single(s => s.Key == "SARM").Value.Should().BeApproximately(1 / (1 + Math.Exp(-2)), 1e-12);
        sink.Predictions.Single(p => p.Id == "m2").Predicted.Should().BeEmpty("sigmoid(0.5) = 0.62 is below 0.7");
    }

    [Test]
    public void JsonlPredictionWriter_TwoDocuments_WritesOneJsonObjectPerLine()
    {
        var stream = new MemoryStream();
        using (var writer = new JsonlPredictionWriter(stream))
        {
            writer.Write(new DocumentPrediction("r1", ["BLSE"], ["EPC"], [new("BLSE", 0.25), new("EPC", 0.75)]));
            writer.Write(new DocumentPrediction("r2 é", ["EPC"], [], [new("BLSE", 0.5), new("EPC", 0.5)]));
            writer.Written.Should().Be(2);
        }

        var lines = Encoding.UTF8.GetString(stream.ToArray()).Split('\n');

        lines.Should().HaveCount(3).And.HaveElementAt(2, "");
        lines[0].Should().Be("""{"id":"r1","gold":["BLSE"],"pred":["EPC"],"scores":{"BLSE":0.25,"EPC":0.75}}""");
        using var second = JsonDocument.Parse(lines[1]);
        second.RootElement.GetProperty("id").GetString().Should().Be("r2 é");
        second.RootElement.GetProperty("pred").GetArrayLength().Should().Be(0);
    }

    private static double[] Softmax(float[] logits)
    {
        double max = logits.Max();
        var exp = logits.Select(l => Math.Exp(l - max)).ToArray();
        var sum = exp.Sum();
        return [.. exp.Select(e => e / sum)];
    }

    private EvaluationJob Job() =>
        Job(Manifest, Spec, [.. Documents.Select(d => Line(d.Id, d.Text, d.Gold))]);

    private EvaluationJob Job(Partages.Evaluation.Bundles.ModelManifest manifest, Partages.Evaluation.Specs.EvaluationSpec spec, params string[] lines)
    {
        var dataset = Temp.File($"dataset-{Guid.NewGuid():N}.jsonl");
        File.WriteAllLines(dataset, lines);
        var bundle = WriteBundle(Temp.File($"bundle-{Guid.NewGuid():N}.zip"), manifest);
        return new EvaluationJob(bundle, spec, new DatasetDefinition(spec.Dataset, dataset, DatasetFormats.Jsonl));
    }

    private sealed class RecordingSink : IPredictionSink
    {
        public List<DocumentPrediction> Predictions { get; } = [];

        public void Write(DocumentPrediction prediction) => Predictions.Add(prediction);
    }
}
