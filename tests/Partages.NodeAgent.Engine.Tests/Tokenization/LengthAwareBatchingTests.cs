using System.Diagnostics;
using Partages.NodeAgent.Engine.LocalMode;

namespace Partages.NodeAgent.Engine.Tests.Tokenization;

/// <summary>
/// Length-aware batching (issue 15) against reading-order batching (the internal
/// <see cref="EvaluationEngineOptions.ReadingOrderBatches"/>): the same counts, per-document scores within 1e-5 (ONNX
/// Runtime may round differently with the batch's shape, docs/../ERRATA 15), predictions in reading order, failures
/// still costing only their own document, and bad input completing.
/// </summary>
public sealed class LengthAwareBatchingTests : TempDirectoryTestBase
{
    private static readonly string[] Words = ["la", "souche", "est", "sensible", "blse", "sarm", "epc", ","];

    [Test]
    public async Task EvaluateLocallyAsync_MixedLengthsWithSlidingWindows_SameCountsAndScoresAsReadingOrder()
    {
        // Windows of 6 pieces moving by 4: reports of up to 60 words have up to 15 windows, which sorting scatters over batches.
        var job = Job(Manifest with { MaxLength = 8, Stride = 2 }, null, MixedReports(150, seed: 15));
        var options = new EvaluationEngineOptions { BatchSize = 4, LengthGroupBatches = 4 };

        var (sorted, sortedPredictions) = await RunLocallyAsync(options, job);
        var (reading, readingPredictions) = await RunLocallyAsync(options with { ReadingOrderBatches = true }, job);

        sorted.InputSummary.Should().BeEquivalentTo(reading.InputSummary);
        sorted.ConfusionMatrix.Should().BeEquivalentTo(reading.ConfusionMatrix);
        sorted.InputSummary.DocumentsEvaluated.Should().Be(150);
        PredictionComparison.AssertEquivalent(sortedPredictions, readingPredictions, tolerance: 1e-5);
    }

    [Test]
    public async Task EvaluateAsync_FailingReportWithWindowsScatteredByLength_CountsOnlyItFailed()
    {
        // "coli" has no row in the graph's table: any call holding one of the long report's windows fails.
        var graph = Graph with { VocabularySize = Vocabulary.Length - 1 };
        var manifest = Manifest with { MaxLength = 8, Stride = 2 };
        var reports = MixedReports(40, seed: 7);
        var failing = Line("dx", "souche blse " + string.Join(' ', Enumerable.Repeat("la souche", 12)) + " e coli", "BLSE");
        var options = new EvaluationEngineOptions { BatchSize = 4, LengthGroupBatches = 8 };
        var engine = new EvaluationEngine(options);

        var with = await engine.EvaluateAsync(Job(manifest, graph, [.. reports[..10], failing, .. reports[10..]]), null, CancellationToken.None);
        var without = await engine.EvaluateAsync(Job(manifest, graph, reports), null, CancellationToken.None);

        with.InputSummary.Skipped.Should().Equal(new Dictionary<string, long> { [SkipKinds.InferenceFailed] = 1 });
        with.ConfusionMatrix.Should().BeEquivalentTo(without.ConfusionMatrix, "its batch-mates were scored again one document at a time");
    }

    [Test]
    public async Task EvaluateAsync_OnlyEmptyOrOneWordReports_CompletesWithTheCountsOfReadingOrder()
    {
        string[] lines = [.. Enumerable.Range(0, 100).Select(i => Line($"e{i}", (i % 3) switch { 0 => "", 1 => "blse", _ => "   " }, "BLSE"))];
        var job = Job(Manifest, null, lines);
        var options = new EvaluationEngineOptions { BatchSize = 8 };

        var sorted = await new EvaluationEngine(options).EvaluateAsync(job, null, CancellationToken.None);
        var reading = await new EvaluationEngine(options with { ReadingOrderBatches = true }).EvaluateAsync(job, null, CancellationToken.None);

        ResultJson.Serialize(sorted).Should().Be(ResultJson.Serialize(reading), "short windows of one length give the same tensors either way");
        sorted.InputSummary.DocumentsRead.Should().Be(100);
        // The empty and blank lines (i % 3 is 0 or 2) are counted as bad input, the one-word reports scored.
        sorted.InputSummary.Skipped.Should().Equal(new Dictionary<string, long> { [SkipKinds.EmptyText] = 67 });
        sorted.InputSummary.DocumentsEvaluated.Should().Be(33);
    }

    [Test]
    public async Task EvaluateAsync_HundredThousandWordReportAmongShortOnes_CompletesWithBoundedMemory()
    {
        var huge = Line("huge", string.Join(' ', Enumerable.Range(0, 100_000).Select(i => Words[i % Words.Length])), "SARM");
        var manifest = Manifest with { MaxLength = 16, Stride = 4 };
        var job = Job(manifest, null, [.. MixedReports(200, seed: 3)[..100], huge, "{not json", Line("blank", " ", "BLSE"), .. MixedReports(200, seed: 3)[100..]]);
        var peakBefore = PeakResidentBytes();

        var result = await new EvaluationEngine(new EvaluationEngineOptions { BatchSize = 8 }).EvaluateAsync(job, null, CancellationToken.None);

        result.InputSummary.DocumentsEvaluated.Should().Be(201);
        result.InputSummary.Skipped.Should().Equal(new Dictionary<string, long> { [SkipKinds.MalformedJson] = 1, [SkipKinds.EmptyText] = 1 });
        // The report is ~600 kB of text and ~9,000 windows of 16 ids: a few MB in flight. The bound leaves room for
        // the test host's own growth while catching anything that scales with the dataset or buffers every window.
        (PeakResidentBytes() - peakBefore).Should().BeLessThan(256L * 1024 * 1024);
    }

    [Test]
    public void Validate_LengthGroupBatchesOutOfRange_ListsIt()
    {
        new EvaluationEngineOptions { LengthGroupBatches = 0 }.Validate().Should().ContainSingle(e => e.StartsWith("LengthGroupBatches", StringComparison.Ordinal));
        new EvaluationEngineOptions { LengthGroupBatches = 65 }.Validate().Should().ContainSingle(e => e.StartsWith("LengthGroupBatches", StringComparison.Ordinal));
    }

    /// <summary>Reports of 1 to 60 words in a seeded random order of lengths, labels following the keyword the graph looks for.</summary>
    internal static string[] MixedReports(int count, int seed)
    {
        var random = new Random(seed);
        return
        [
            .. Enumerable.Range(0, count).Select(i =>
            {
                var length = random.Next(10) == 0 ? random.Next(30, 61) : random.Next(1, 9);
                var text = string.Join(' ', Enumerable.Range(0, length).Select(_ => Words[random.Next(Words.Length)]));
                var label = text.Contains("sarm", StringComparison.Ordinal) ? "SARM" : text.Contains("blse", StringComparison.Ordinal) ? "BLSE" : "sensible";
                return Line($"m{i}", text, label);
            }),
        ];
    }

    private static async Task<(ResultDocument Result, List<DocumentPrediction> Predictions)> RunLocallyAsync(EvaluationEngineOptions options, EvaluationJob job)
    {
        var sink = new ListSink();
        var result = await new EvaluationEngine(options).EvaluateLocallyAsync(job, sink, null, CancellationToken.None);
        return (result, sink.Predictions);
    }

    private static long PeakResidentBytes()
    {
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return process.PeakWorkingSet64;
    }

    private EvaluationJob Job(Evaluation.Bundles.ModelManifest manifest, KeywordGraph? graph, IReadOnlyList<string> lines)
    {
        var dataset = Temp.File($"dataset-{Guid.NewGuid():N}.jsonl");
        File.WriteAllLines(dataset, lines);
        var bundle = WriteBundle(Temp.File($"bundle-{Guid.NewGuid():N}.zip"), manifest, graph);
        return new EvaluationJob(bundle, Spec, new DatasetDefinition(Spec.Dataset, dataset, DatasetFormats.Jsonl));
    }

    private sealed class ListSink : IPredictionSink
    {
        public List<DocumentPrediction> Predictions { get; } = [];

        public void Write(DocumentPrediction prediction) => Predictions.Add(prediction);
    }
}

/// <summary>Per-document comparison of two runs' predictions (ERRATA 15): same ids in the same order, scores within a tolerance, any differing prediction shown with its top-two margin.</summary>
internal static class PredictionComparison
{
    public static void AssertEquivalent(IReadOnlyList<DocumentPrediction> actual, IReadOnlyList<DocumentPrediction> expected, double tolerance)
    {
        actual.Select(p => p.Id).Should().Equal(expected.Select(p => p.Id), "predictions keep reading order");
        var worst = 0.0;
        for (var i = 0; i < actual.Count; i++)
        {
            var a = actual[i].Scores.Select(s => s.Value).ToArray();
            var e = expected[i].Scores.Select(s => s.Value).ToArray();
            worst = Math.Max(worst, a.Zip(e, (x, y) => Math.Abs(x - y)).Max());
            if (!actual[i].Predicted.SequenceEqual(expected[i].Predicted))
            {
                // A flip is only acceptable on a near-tie, and is never hidden: it is printed with its margin.
                var topTwo = e.OrderDescending().Take(2).ToArray();
                var margin = topTwo[0] - topTwo[1];
                TestContext.Out.WriteLine($"{actual[i].Id}: predicted {string.Join(",", actual[i].Predicted)} vs {string.Join(",", expected[i].Predicted)}, top-two margin {margin:G3}");
                margin.Should().BeLessThan(2 * tolerance, $"{actual[i].Id}'s prediction may only differ on a near-tie");
            }
        }

        TestContext.Out.WriteLine($"{actual.Count} documents, largest score difference {worst:G3}");
        worst.Should().BeLessThanOrEqualTo(tolerance);
    }
}
