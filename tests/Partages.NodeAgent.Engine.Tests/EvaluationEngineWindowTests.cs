namespace Partages.NodeAgent.Engine.Tests;

/// <summary>Long documents: truncation, windows and their aggregation, batching, padded graphs, token type ids.</summary>
public sealed class EvaluationEngineWindowTests : EngineJobTestBase
{
    [Test]
    public async Task EvaluateAsync_KeywordPastMaxLength_IsTruncatedAway()
    {
        // max_length 8 leaves 6 word pieces between [CLS] and [SEP]: the 7th word never reaches the model.
        var manifest = Manifest with { MaxLength = 8 };
        var job = Job(manifest, null, Line("t1", "la la la la la la blse", "BLSE"), Line("t2", "la la la la la blse", "BLSE"));

        var result = await new EvaluationEngine().EvaluateAsync(job, null, CancellationToken.None);

        var blse = Array.IndexOf(SpecLabels, "BLSE");
        var sensible = Array.IndexOf(SpecLabels, "sensible");
        result.ConfusionMatrix.Matrix[blse][sensible].Should().Be(1);
        result.ConfusionMatrix.Matrix[blse][blse].Should().Be(1);
    }

    // Sliding windows, max_length 8 and stride 2: 6 pieces per window, each starting 4 pieces after the previous one.
    // A window without a keyword scores logits [0.5, 0, 0, 0] → softmax [0.35466, 0.21511, 0.21511, 0.21511] (manifest
    // order sensible, BLSE, SARM, EPC); the window holding "epc" scores [0.5, 0, 0, 3] → [0.06947, 0.04213, 0.04213, 0.84627].
    // max: EPC 0.84627 beats sensible 0.35466 however many windows. mean over n windows, one with "epc":
    // EPC (0.84627 + (n−1)·0.21511)/n beats sensible (0.06947 + (n−1)·0.35466)/n while n − 1 < 0.77680/0.13955 = 5.57,
    // so 2 windows find it and 12 windows dilute it.
    [TestCase(WindowAggregations.Max, 10, "EPC")]
    [TestCase(WindowAggregations.Mean, 10, "EPC")]
    [TestCase(WindowAggregations.Max, 50, "EPC")]
    [TestCase(WindowAggregations.Mean, 50, "sensible")]
    [TestCase(WindowAggregations.Max, 6, "EPC")]
    public async Task EvaluateAsync_KeywordOnlyInTheLastWindow_AggregatesAsComputedByHand(string aggregation, int pieces, string expected)
    {
        // 10 pieces: windows at 0 and 4 (2 windows); 50 pieces: windows at 0, 4, …, 44 (12 windows); 6 pieces: 1 window.
        var manifest = Manifest with { MaxLength = 8, Stride = 2, WindowAggregation = aggregation };
        var text = string.Join(' ', Enumerable.Repeat("la", pieces - 1)) + " epc";
        var job = Job(manifest, null, Line("w1", text, "EPC"));

        var result = await new EvaluationEngine(new EvaluationEngineOptions { BatchSize = 5 }).EvaluateAsync(job, null, CancellationToken.None);

        var epc = Array.IndexOf(SpecLabels, "EPC");
        result.ConfusionMatrix.Matrix[epc][Array.IndexOf(SpecLabels, expected)].Should().Be(1);
        result.InputSummary.Should().BeEquivalentTo(new InputSummary { DocumentsRead = 1, DocumentsEvaluated = 1 });
    }

    [Test]
    public async Task EvaluateAsync_StrideZero_TruncatesAwayAKeywordInTheLastWindow()
    {
        var manifest = Manifest with { MaxLength = 8, WindowAggregation = WindowAggregations.Max };
        var job = Job(manifest, null, Line("w1", string.Join(' ', Enumerable.Repeat("la", 9)) + " epc", "EPC"));

        var result = await new EvaluationEngine().EvaluateAsync(job, null, CancellationToken.None);

        result.ConfusionMatrix.Matrix[Array.IndexOf(SpecLabels, "EPC")][Array.IndexOf(SpecLabels, "sensible")].Should().Be(1);
    }

    [Test]
    public async Task EvaluateAsync_WindowsSpanningBatchesAndTokenizers_MatchOneWindowPerBatch()
    {
        // Documents of 1 to 14 windows, some with NaN logits in one window only; scored with batches of 3 windows by two
        // tokenizers (windows of a document cross batches, batches arrive in any order) and with one window per batch.
        var manifest = Manifest with { MaxLength = 8, Stride = 2, WindowAggregation = WindowAggregations.Max };
        var lines = Enumerable.Range(0, 40).Select(i =>
        {
            var filler = Enumerable.Repeat("souche", 3 + (i * 7 % 55)).ToList();
            var keyword = new[] { "blse", "sarm", "epc", "sensible" }[i % 4];
            filler.Insert(i * 13 % filler.Count, keyword);
            if (i % 9 == 0)
            {
                filler.Insert(i * 5 % filler.Count, "poison");
            }

            return Line($"m{i}", string.Join(' ', filler), new[] { "BLSE", "SARM", "EPC", "sensible" }[i * 3 % 4]);
        }).ToArray();

        var reference = await new EvaluationEngine(new EvaluationEngineOptions { BatchSize = 1, TokenizerThreads = 1 })
            .EvaluateAsync(Job(manifest, null, lines), null, CancellationToken.None);
        var crossing = await new EvaluationEngine(new EvaluationEngineOptions { BatchSize = 3, TokenizerThreads = 2, PrefetchBatches = 1 })
            .EvaluateAsync(Job(manifest, null, lines), null, CancellationToken.None);

        crossing.Should().BeEquivalentTo(reference);
        crossing.InputSummary.Skipped.Should().Equal(new Dictionary<string, long> { [SkipKinds.InvalidLogits] = 5 });
        crossing.InputSummary.DocumentsRead.Should().Be(crossing.InputSummary.DocumentsEvaluated + 5);
        crossing.NDocuments.Should().Be(35);
    }

    [Test]
    public async Task EvaluateAsync_ManyWindowsPerChunk_ReportsProgressOnlyAtChunkEnds()
    {
        var manifest = Manifest with { MaxLength = 8, Stride = 2 };
        var text = string.Join(' ', Enumerable.Repeat("souche", 50));
        var job = Job(manifest, null, [.. Enumerable.Range(0, 4).Select(i => Line($"p{i}", text, "sensible"))]);
        var progress = new RecordingProgress<EvaluationProgress>();

        // Two documents per chunk (LengthGroupBatches = 1), many windows each: several batches per chunk, one report per chunk.
        await new EvaluationEngine(new EvaluationEngineOptions { BatchSize = 2, LengthGroupBatches = 1, TokenizerThreads = 1 }).EvaluateAsync(job, progress, CancellationToken.None);

        progress.Reports.Should().Equal(new EvaluationProgress(2, 4), new EvaluationProgress(4, 4));
    }

    [Test]
    public async Task EvaluateAsync_GraphWithStaticBatchAndSequence_PadsAndGivesTheSameResult()
    {
        string[] lines = [.. Enumerable.Range(0, 7).Select(i => Line($"s{i}", i % 2 == 0 ? "souche sarm" : "souche sensible", i % 3 == 0 ? "SARM" : "sensible"))];
        var dynamicJob = Job(lines);
        var staticJob = Job(Manifest, Graph with { StaticBatch = 4, StaticSequence = 32 }, lines);

        var expected = await new EvaluationEngine().EvaluateAsync(dynamicJob, null, CancellationToken.None);
        var actual = await new EvaluationEngine().EvaluateAsync(staticJob, null, CancellationToken.None);

        actual.Should().BeEquivalentTo(expected);
        actual.NDocuments.Should().Be(7);
    }

    [Test]
    public async Task EvaluateAsync_ManifestNamesTokenTypeIds_FeedsThemToTheGraph()
    {
        var manifest = Manifest with { Inputs = new ModelInputs { TokenTypeIds = "token_type_ids" } };
        var job = Job(manifest, Graph with { ExtraInput = "token_type_ids" }, Line("k1", "souche epc", "EPC"));

        var result = await new EvaluationEngine().EvaluateAsync(job, null, CancellationToken.None);

        result.Accuracy.Should().Be(1);
        result.NDocuments.Should().Be(1);
    }
}
