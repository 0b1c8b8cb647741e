using Partages.NodeAgent.Engine.Inference;
using Partages.NodeAgent.Engine.LocalMode;
using Partages.NodeAgent.Engine.Scoring;
using Partages.NodeAgent.Engine.Tests.Tokenization;
using Partages.NodeAgent.Engine.Tokenization;

namespace Partages.NodeAgent.Engine.Tests.Inference;

/// <summary>
/// Parallelism across rows (issue 15): each batch's rows dealt into <see cref="EvaluationEngineOptions.IntraOpNumThreads"/>
/// parts scored at once on a one-thread session. Against one thread in reading order: the same counts, scores within
/// 1e-5 (ERRATA 15), predictions in reading order; a failing part and a cancellation handled as with one call.
/// </summary>
public sealed class ConcurrentInferenceTests : EngineJobTestBase
{
    [TestCase(2)]
    [TestCase(3)]
    public async Task EvaluateLocallyAsync_RowsAcrossConcurrentCalls_SameCountsAndPredictionsAsOneThreadInReadingOrder(int threads)
    {
        var job = Job(Manifest with { MaxLength = 8, Stride = 2 }, null, LengthAwareBatchingTests.MixedReports(150, seed: 21));
        var options = new EvaluationEngineOptions { BatchSize = 8, LengthGroupBatches = 4 };

        var (concurrent, concurrentPredictions) = await RunLocallyAsync(options with { IntraOpNumThreads = threads }, job);
        var (oneThread, oneThreadPredictions) = await RunLocallyAsync(options with { IntraOpNumThreads = 1, ReadingOrderBatches = true }, job);

        concurrent.InputSummary.DocumentsEvaluated.Should().Be(150);
        concurrent.InputSummary.Should().BeEquivalentTo(oneThread.InputSummary);
        concurrent.ConfusionMatrix.Should().BeEquivalentTo(oneThread.ConfusionMatrix);
        concurrentPredictions.Select(p => p.Id).Should().Equal(Enumerable.Range(0, 150).Select(i => $"m{i}"), "one line per document, in reading order");
        PredictionComparison.AssertEquivalent(concurrentPredictions, oneThreadPredictions, tolerance: 1e-5);
    }

    [Test]
    public void Create_DynamicBatchWithTwoThreads_TwoConcurrentCallsButOneWithThreadsInsideOperatorsOrAFixedBatch()
    {
        var dynamic = AmrTestModel.Graph.ToOnnx();
        var fixedBatch = (AmrTestModel.Graph with { StaticBatch = 4 }).ToOnnx();

        using (var classifier = OnnxClassifier.Create(dynamic, Manifest, new EvaluationEngineOptions { IntraOpNumThreads = 2 }))
        {
            classifier.ConcurrentCalls.Should().Be(2);
        }

        using (var classifier = OnnxClassifier.Create(dynamic, Manifest, new EvaluationEngineOptions { IntraOpNumThreads = 2, ThreadsInsideOperators = true }))
        {
            classifier.ConcurrentCalls.Should().Be(1);
        }

        using (var classifier = OnnxClassifier.Create(fixedBatch, Manifest, new EvaluationEngineOptions { IntraOpNumThreads = 2 }))
        {
            classifier.ConcurrentCalls.Should().Be(1, "a part of a batch would be padded back to the graph's fixed batch");
        }
    }

    [Test]
    public async Task EvaluateAsync_ReportFailingInOneOfTheConcurrentParts_CountsOnlyItFailedAsWithOneCall()
    {
        // "coli" has no row in the graph's table: the part holding it fails, the other part of its batch succeeds.
        var reports = LengthAwareBatchingTests.MixedReports(40, seed: 5);
        var failing = Line("dx", "souche e coli", "BLSE");
        var graph = Graph with { VocabularySize = Vocabulary.Length - 1 };
        var options = new EvaluationEngineOptions { BatchSize = 8, IntraOpNumThreads = 2 };
        var with = Job(Manifest, graph, [.. reports[..9], failing, .. reports[9..]]);

        var concurrent = await new EvaluationEngine(options).EvaluateAsync(with, null, CancellationToken.None);
        var oneCall = await new EvaluationEngine(options with { ThreadsInsideOperators = true }).EvaluateAsync(with, null, CancellationToken.None);
        var without = await new EvaluationEngine(options).EvaluateAsync(Job(Manifest, graph, reports), null, CancellationToken.None);

        concurrent.InputSummary.Skipped.Should().Equal(new Dictionary<string, long> { [SkipKinds.InferenceFailed] = 1 });
        concurrent.InputSummary.Should().BeEquivalentTo(oneCall.InputSummary);
        concurrent.ConfusionMatrix.Should().BeEquivalentTo(without.ConfusionMatrix, "its batch-mates, in both parts, were scored again one document at a time");
    }

    [Test]
    public async Task EvaluateAsync_CancelledWhileConcurrentCallsRun_ThrowsCancelledAndStopsItsThreads()
    {
        var reports = LengthAwareBatchingTests.MixedReports(3000, seed: 9);
        var job = Job(Manifest with { MaxLength = 8, Stride = 2 }, null, reports);
        using var cancellation = new CancellationTokenSource();
        // Cancelled from inside the run, at its first progress report: calls are under way in both lanes.
        var progress = new CancelOnReport(cancellation);

        var act = () => new EvaluationEngine(new EvaluationEngineOptions { BatchSize = 4, IntraOpNumThreads = 2 }).EvaluateAsync(job, progress, cancellation.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
        progress.Reports.Should().BeGreaterThan(0);
        InferenceThreads().Should().BeEmpty("the run's inference threads end with it");
    }

    [Test]
    public void Deal_SortedBatchOfFiveRowsIntoTwo_RoundRobinEachPaddedToItsOwnLongest()
    {
        var owners = Enumerable.Range(0, 5).Select(i => new DocumentScore(1, null, 1, Manifest.Labels.Count, "mean") { Ordinal = i }).ToArray();
        var builder = new TokenBatchBuilder(8, fixedBatch: false, fixedSequenceLength: null, tokenTypeIds: true, BertEncoderFor());
        int[][] windows = [[2, 5, 3], [2, 5, 3], [2, 5, 6, 3], [2, 5, 6, 7, 3], [2, 5, 6, 7, 8, 9, 3]];
        for (var i = 0; i < windows.Length; i++)
        {
            builder.Add(windows[i], owners[i]);
        }

        var parts = builder.Build(chunk: 7).Deal(2, keepLength: false);

        parts.Should().HaveCount(2);
        parts[0].Rows.Should().Equal(0, 2, 4);
        parts[1].Rows.Should().Equal(1, 3);
        parts[0].Part.SequenceLength.Should().Be(7);
        parts[1].Part.SequenceLength.Should().Be(5, "the second part's longest row has 5 ids");
        parts[1].Part.InputIds.Take(5).Should().Equal(2L, 5, 3, 0, 0);
        parts[1].Part.AttentionMask.Skip(5).Should().Equal(1L, 1, 1, 1, 1);
        parts[1].Part.TokenTypeIds.Should().HaveCount(10);
        parts[0].Part.Owners.Should().Equal(owners[0], owners[2], owners[4]);
        parts[1].Part.Chunk.Should().Be(7);
    }

    [Test]
    public void RunAll_OneCallThrows_WaitsForEveryCallThenRethrowsIt()
    {
        using var lanes = new InferenceLanes(3);
        var threads = new int[3];
        using var bothRunning = new CountdownEvent(2);
        Action[] calls =
        [
            () => threads[0] = Environment.CurrentManagedThreadId,
            () =>
            {
                threads[1] = Environment.CurrentManagedThreadId;
                bothRunning.Signal();
                bothRunning.Wait();
                throw new InvalidOperationException("part 1 failed");
            },
            () =>
            {
                threads[2] = Environment.CurrentManagedThreadId;
                bothRunning.Signal();
                bothRunning.Wait();
            },
        ];

        var act = () => lanes.RunAll(calls);

        act.Should().Throw<InvalidOperationException>().WithMessage("part 1 failed");
        threads.Should().OnlyHaveUniqueItems("each call had a thread of its own");
        threads[0].Should().Be(Environment.CurrentManagedThreadId);
        lanes.RunAll([() => threads[0] = -1]);
        threads[0].Should().Be(-1, "the lanes are usable again after a failure");
    }

    private static BertEncoder BertEncoderFor() => BertEncoder.Create(Encoding.UTF8.GetBytes(string.Join('\n', Vocabulary)), Manifest);

    /// <summary>Threads named by <see cref="InferenceLanes"/> still alive in this process (Linux shows the first 15 characters of a name).</summary>
    private static string[] InferenceThreads() =>
        [.. Directory.EnumerateDirectories("/proc/self/task")
            .Select(task => { try { return File.ReadAllText(Path.Combine(task, "comm")).Trim(); } catch (IOException) { return ""; } })
            .Where(name => name.StartsWith("partages-infer", StringComparison.Ordinal))];

    private static async Task<(ResultDocument Result, List<DocumentPrediction> Predictions)> RunLocallyAsync(EvaluationEngineOptions options, EvaluationJob job)
    {
        var sink = new ListSink();
        var result = await new EvaluationEngine(options).EvaluateLocallyAsync(job, sink, null, CancellationToken.None);
        return (result, sink.Predictions);
    }

    private sealed class CancelOnReport(CancellationTokenSource cancellation) : IProgress<EvaluationProgress>
    {
        public int Reports { get; private set; }

        public void Report(EvaluationProgress value)
        {
            Reports++;
            cancellation.Cancel();
        }
    }

    private sealed class ListSink : IPredictionSink
    {
        public List<DocumentPrediction> Predictions { get; } = [];

        public void Write(DocumentPrediction prediction) => Predictions.Add(prediction);
    }
}
