using Partages.ModelKit.Bundles;
using Partages.ModelKit.Training;
using Partages.NodeAgent.Engine.Resilience;
using Partages.NodeAgent.Engine.Tests.Ner;

namespace Partages.NodeAgent.Engine.Tests.Resilience;

/// <summary>
/// A report that makes the model fail costs its own document, never the run, and never its batch-mates; and a run
/// cut into segments (a worker died, another resumed) adds up to the run in one piece. The graphs are real: their
/// table has no row for the last vocabulary word ("coli", or "panne" for entity recognition), so ONNX Runtime fails
/// any call whose batch holds it, and only those.
/// </summary>
public sealed class InferenceFailureTests : TempDirectoryTestBase
{
    private static readonly string[] Reports =
    [
        Line("d1", "la souche est sensible", "sensible"),
        Line("d2", "souche blse", "BLSE"),
        Line("d3", "souche sarm", "SARM"),
        Line("d4", "souche epc", "EPC"),
        Line("d5", "blse", "EPC"),
        Line("d6", "sarm , blse", "SARM"),
        Line("d7", "souche sensible .", "sensible"),
    ];

    private static readonly string Failing = Line("dx", "e coli blse", "BLSE");

    [Test]
    public async Task EvaluateAsync_ReportMakingTheModelFail_CountsOnlyItInferenceFailedAndScoresItsBatchMates()
    {
        var engine = new EvaluationEngine(new EvaluationEngineOptions { BatchSize = 3 });
        var with = Job([.. Reports[..4], Failing, .. Reports[4..]]);
        var without = Job(Reports);

        var result = await engine.EvaluateAsync(with, null, CancellationToken.None);
        var expected = await engine.EvaluateAsync(without, null, CancellationToken.None);

        result.InputSummary.Should().BeEquivalentTo(new InputSummary
        {
            DocumentsRead = 8,
            DocumentsEvaluated = 7,
            Skipped = new Dictionary<string, long> { [SkipKinds.InferenceFailed] = 1 },
        });
        // Everything else is the run without that report: the two documents it shared a batch with were scored alone.
        ResultJson.Serialize(result with { InputSummary = expected.InputSummary }).Should().Be(ResultJson.Serialize(expected));
    }

    [Test]
    public async Task EvaluateAsync_ModelFailingOnEveryDocument_CompletesWithEveryDocumentFailed()
    {
        var job = Job([.. Reports.Select((_, i) => Line($"x{i}", "e coli", "BLSE"))]);

        var result = await new EvaluationEngine(new EvaluationEngineOptions { BatchSize = 3 }).EvaluateAsync(job, null, CancellationToken.None);

        result.NDocuments.Should().Be(0);
        result.InputSummary.DocumentsRead.Should().Be(Reports.Length);
        result.InputSummary.Skipped.Should().Equal(new Dictionary<string, long> { [SkipKinds.InferenceFailed] = Reports.Length });
    }

    [Test]
    public async Task EvaluateAsync_PlanResumingAtACheckpoint_SegmentsAddUpToTheWholeRun()
    {
        // Bad lines and a duplicate id on both sides of the cut: a segment counts its own lines, and the duplicate
        // after the cut is still recognised (its first occurrence is before the cut).
        string[] lines = [Reports[0], "not json", Reports[1], Reports[2], Line("d2", "souche sarm", "SARM"), "", Reports[3], Reports[4], "{", Reports[5], Reports[6]];
        var job = Job(lines);
        var engine = new EvaluationEngine(new EvaluationEngineOptions { BatchSize = 2, LengthGroupBatches = 1, TokenizerThreads = 2 });
        var observer = new RecordingObserver();
        var whole = await engine.EvaluateAsync(job, RunPlan.Full, observer, null, CancellationToken.None);
        var cut = observer.Checkpoints[1];

        var rest = await engine.EvaluateAsync(job, new RunPlan { StartDocument = cut.Documents, StartLine = cut.Lines }, null, null, CancellationToken.None);
        var merged = SegmentResults.Merge(job.Spec.Task, job.Spec.Labels, [cut.Result, rest]);

        // Chunks are the usable documents of each block of 2 lines (the empty line is layout, not a line):
        // {d1} {d2 d3} {d4} {d5} {d6 d7}, the bad lines and the duplicate of d2 set aside.
        observer.Checkpoints.Select(c => c.Documents).Should().Equal(1, 3, 4, 5, 7);
        cut.Documents.Should().Be(3);
        merged.InputSummary.Should().BeEquivalentTo(whole.InputSummary);
        whole.InputSummary.Skipped.Should().Equal(new Dictionary<string, long> { [SkipKinds.MalformedJson] = 2, [SkipKinds.DuplicateId] = 1 });
        // Every statistic is an integer sum (calibration in grid steps), so the segments give the very same bytes.
        ResultJson.Serialize(merged).Should().Be(ResultJson.Serialize(whole));
    }

    [Test]
    public async Task EvaluateAsync_PlanIsolatingAndFailingDocuments_ScoresIsolatedOnesAloneAndCountsFailedOnesWithoutInference()
    {
        var job = Job(Reports);
        var engine = new EvaluationEngine(new EvaluationEngineOptions { BatchSize = 4, TokenizerThreads = 1 });
        var observer = new RecordingObserver();
        var plan = new RunPlan { Isolated = [new DocumentRange(3, 5)], Failed = [4] };

        var result = await engine.EvaluateAsync(job, plan, observer, null, CancellationToken.None);

        observer.Calls.Should().Equal((0L, 2L), (3L, 3L), (5L, 5L), (6L, 6L));
        result.InputSummary.Skipped.Should().Equal(new Dictionary<string, long> { [SkipKinds.InferenceFailed] = 1 });
        result.NDocuments.Should().Be(Reports.Length - 1);
    }

    [Test]
    public async Task EvaluateAsync_EntityReportMakingTheModelFail_CountsOnlyItInferenceFailed()
    {
        var graph = new TokenTableGraph
        {
            Words = ["le", "her2", "positif", "panne"],
            TagOf = new Dictionary<string, int> { ["her2"] = 1, ["positif"] = 3 },
        };
        var bundle = Temp.File("ner.zip");
        await File.WriteAllBytesAsync(bundle, BundleWithoutLastRow(graph));
        var dataset = Temp.File("ner.jsonl");
        await File.WriteAllLinesAsync(dataset, new[] { "le her2 positif", "le panne", "her2", "positif le" }.Select((text, i) =>
            JsonSerializer.Serialize(new { id = $"n{i}", text, entities = Array.Empty<object>() })));
        var spec = new EvaluationSpec { Name = "ner", Task = TaskTypes.TokenClassification, Dataset = "oncology", Labels = ["BIOMARKER", "STATUS"] };
        var job = new EvaluationJob(bundle, spec, new DatasetDefinition("oncology", dataset, DatasetFormats.Jsonl));

        var result = await new EvaluationEngine(new EvaluationEngineOptions { BatchSize = 4 }).EvaluateAsync(job, null, CancellationToken.None);

        result.NDocuments.Should().Be(3);
        result.InputSummary.Skipped.Should().Equal(new Dictionary<string, long> { [SkipKinds.InferenceFailed] = 1 });
        result.Schemes![Evaluation.Metrics.NerSchemes.Strict].Overall.Actual.Should().Be(4, "her2 and positif are predicted in the three other reports");
    }

    /// <summary>The graph's bundle with a table one row short: the last word's id is out of range.</summary>
    private static byte[] BundleWithoutLastRow(TokenTableGraph graph)
    {
        var vocabulary = VocabularyBuilder.SpecialTokens.Concat(graph.Words).ToList();
        var tags = TokenTableGraph.Tags.Count;
        var rows = vocabulary.Count - 1;
        var table = new float[rows * tags];
        for (var id = 0; id < rows; id++)
        {
            var tag = id >= VocabularyBuilder.SpecialTokens.Count && graph.TagOf.TryGetValue(vocabulary[id], out var t) ? t : 0;
            table[(id * tags) + tag] = 5f;
        }

        var manifest = new ModelManifest
        {
            Name = "token-table-short",
            Task = TaskTypes.TokenClassification,
            Labels = TokenTableGraph.Tags,
            MaxLength = graph.MaxLength,
            Tokenizer = new TokenizerSpec(),
        };
        return ModelBundle.Pack(manifest, Google.Protobuf.MessageExtensions.ToByteArray(TokenTableGraph.TableModel(table, rows)), VocabularyBuilder.ToVocabFileBytes(vocabulary));
    }

    private EvaluationJob Job(IReadOnlyList<string> lines)
    {
        var dataset = Temp.File($"dataset-{Guid.NewGuid():N}.jsonl");
        File.WriteAllLines(dataset, lines);
        // One row short of the vocabulary: "coli", the last word, has no row.
        var bundle = WriteBundle(Temp.File($"bundle-{Guid.NewGuid():N}.zip"), graph: Graph with { VocabularySize = Vocabulary.Length - 1 });
        return new EvaluationJob(bundle, AmrTestModel.Spec, new DatasetDefinition(AmrTestModel.Spec.Dataset, dataset, DatasetFormats.Jsonl));
    }

    private sealed class RecordingObserver : IInferenceObserver
    {
        public List<SegmentCheckpoint> Checkpoints { get; } = [];

        public List<(long First, long Last)> Calls { get; } = [];

        public void ReadingStarted(long lines)
        {
        }

        public void InferenceStarted(long firstDocument, long lastDocument)
        {
            lock (Calls)
            {
                Calls.Add((firstDocument, lastDocument));
            }
        }

        public void InferenceEnded(string? failure)
        {
        }

        public void Checkpoint(SegmentCheckpoint checkpoint)
        {
            lock (Checkpoints)
            {
                Checkpoints.Add(checkpoint);
            }
        }
    }
}
