using Partages.NodeAgent.Engine.Metrics;

namespace Partages.NodeAgent.Engine.Tests;

public sealed class MultiLabelEvaluationTests : TempDirectoryTestBase
{
    // The keyword graph through a sigmoid: "sensible" always scores sigmoid(0.5) = 0.622, an absent keyword
    // sigmoid(0) = 0.5, blse sigmoid(1) = 0.731, sarm 0.881, epc 0.953. With threshold 0.7 the predicted set is
    // exactly the keywords present.
    private static readonly ModelManifest MultiLabelManifest = Manifest with { Task = TaskTypes.MultiLabelClassification, Threshold = 0.7 };

    [Test]
    public async Task EvaluateAsync_MultiLabelHandMadeDataset_GivesOneVsRestCountsPerLabel()
    {
        var job = Job(
            MultiLabelManifest,
            """{"id":"m1","text":"souche blse sarm","labels":["BLSE","SARM"]}""",
            """{"id":"m2","text":"souche epc","labels":["EPC","BLSE"]}""",
            """{"id":"m3","text":"souche","labels":[]}""",
            """{"id":"m4","text":"blse","labels":[]}""",
            """{"id":"m5","text":"souche","labels":["VRE"]}""",
            """{"id":"m6","text":"souche poison","labels":["SARM"]}""",
            """{"id":"m7","text":"souche","label":"SARM"}""");

        var result = await new EvaluationEngine(new EvaluationEngineOptions { BatchSize = 3 }).EvaluateAsync(job, null, CancellationToken.None);

        // BLSE: gold m1 m2, predicted m1 m4. SARM: gold and predicted m1. EPC: gold and predicted m2. sensible: never.
        result.PerClass["BLSE"].Should().Be(new ClassMetrics(0.5, 0.5, 0.5, 2, 1, 1, 1, 1));
        result.PerClass["SARM"].Should().Be(new ClassMetrics(1, 1, 1, 1, 1, 0, 0, 3));
        result.PerClass["EPC"].Should().Be(new ClassMetrics(1, 1, 1, 1, 1, 0, 0, 3));
        result.PerClass["sensible"].Should().Be(new ClassMetrics(0, 0, 0, 0, 0, 0, 0, 4));
        result.Micro.Should().Be(new AveragedMetrics(0.75, 0.75, 0.75));
        result.Macro.Should().Be(new AveragedMetrics(0.625, 0.625, 0.625));
        result.Weighted.Should().Be(new AveragedMetrics(0.75, 0.75, 0.75));
        result.MultiLabel.Should().Be(new MultiLabelSection(0.7, 2));
        result.Accuracy.Should().Be(0.5, "subset accuracy: 2 of 4 documents predicted exactly");
        result.NDocuments.Should().Be(4);
        result.ConfusionMatrix.Labels.Should().Equal(SpecLabels);
        result.InputSummary.Should().BeEquivalentTo(new InputSummary
        {
            DocumentsRead = 7,
            DocumentsEvaluated = 4,
            Skipped = new Dictionary<string, long> { [SkipKinds.InvalidLogits] = 1, [SkipKinds.MissingLabel] = 1, [SkipKinds.UnknownLabel] = 1 },
        });
    }

    [TestCase(WindowAggregations.Max, true)]
    [TestCase(WindowAggregations.Mean, false)]
    public async Task EvaluateAsync_MultiLabelKeywordOnlyInTheLastOfTwelveWindows_FoundByMaxDilutedByMean(string aggregation, bool found)
    {
        // BLSE: sigmoid 0.731 in the last window, 0.5 in the 11 others: max 0.731 ≥ 0.7; mean (0.731 + 11·0.5)/12 = 0.519 < 0.7.
        var manifest = MultiLabelManifest with { MaxLength = 8, Stride = 2, WindowAggregation = aggregation };
        var text = string.Join(' ', Enumerable.Repeat("la", 49)) + " blse";
        var job = Job(manifest, $$"""{"id":"w","text":"{{text}}","labels":["BLSE"]}""");

        var result = await new EvaluationEngine(new EvaluationEngineOptions { BatchSize = 5 }).EvaluateAsync(job, null, CancellationToken.None);

        result.PerClass["BLSE"].Tp.Should().Be(found ? 1 : 0);
        result.MultiLabel!.ExactMatches.Should().Be(found ? 1 : 0);
    }

    [Test]
    public async Task EvaluateAsync_MultiLabelResult_SerializesAggregatesOnlyInSnakeCase()
    {
        var job = Job(MultiLabelManifest, """{"id":"secret-id-42","text":"souche blse","labels":["BLSE"]}""");

        var json = ResultJson.Serialize(await new EvaluationEngine().EvaluateAsync(job, null, CancellationToken.None));

        using var document = JsonDocument.Parse(json);
        document.RootElement.GetProperty("schema").GetString().Should().Be(ResultDocument.CurrentSchema);
        document.RootElement.GetProperty("multi_label").GetProperty("exact_matches").GetInt64().Should().Be(1);
        json.Should().NotContain("secret-id-42").And.NotContain("souche");
    }

    [Test]
    public async Task EvaluateAsync_MultiLabelSpec_ReleasableResultWithPerLabelCountsAndCooccurrence()
    {
        var job = Job(
            MultiLabelManifest,
            """{"id":"m1","text":"souche blse sarm","labels":["BLSE","SARM"]}""",
            """{"id":"m2","text":"souche epc","labels":["EPC","BLSE"]}""",
            """{"id":"m3","text":"souche","labels":[]}""",
            """{"id":"m4","text":"blse","labels":[]}""");
        var engine = new EvaluationEngine();

        var result = await engine.EvaluateAsync(job, null, CancellationToken.None);

        result.Schema.Should().Be(ResultDocument.CurrentSchema);
        // m1 and m3 are predicted exactly; m2 misses BLSE, m4 gets a BLSE it does not have.
        result.MultiLabel.Should().Be(new MultiLabelSection(0.7, 2));
        result.Accuracy.Should().Be(0.5);
        // Co-occurrence, labels in spec order: m1 gold BLSE and SARM, predicted BLSE and SARM; m2 gold EPC and BLSE, predicted EPC.
        var matrix = result.ToCounts();
        matrix[matrix.IndexOf("BLSE"), matrix.IndexOf("SARM")].Should().Be(1);
        matrix[matrix.IndexOf("BLSE"), matrix.IndexOf("EPC")].Should().Be(1);
        matrix[matrix.IndexOf("BLSE"), matrix.IndexOf("BLSE")].Should().Be(1, "the diagonal is each label's tp");
        matrix[matrix.IndexOf("EPC"), matrix.IndexOf("EPC")].Should().Be(1);
    }

    [Test]
    public async Task EvaluateAsync_MultiLabelCsvDataset_Refuses()
    {
        var job = Job(MultiLabelManifest, """{"id":"m","text":"souche","labels":[]}""");
        job = job with { Dataset = job.Dataset with { Format = DatasetFormats.Csv } };

        var act = () => new EvaluationEngine().EvaluateAsync(job, null, CancellationToken.None);

        await act.Should().ThrowAsync<EvaluationRefusedException>().WithMessage("*needs a jsonl dataset with \"labels\" arrays");
    }

    private EvaluationJob Job(ModelManifest manifest, params string[] lines)
    {
        var dataset = Temp.File($"dataset-{Guid.NewGuid():N}.jsonl");
        File.WriteAllText(dataset, string.Join('\n', lines) + "\n", new UTF8Encoding(false));
        var bundle = WriteBundle(Temp.File($"bundle-{Guid.NewGuid():N}.zip"), manifest);
        var spec = Spec with { Task = manifest.Task };
        return new EvaluationJob(bundle, spec, new DatasetDefinition(spec.Dataset, dataset, DatasetFormats.Jsonl));
    }
}
