namespace Partages.NodeAgent.Engine.Tests;

/// <summary>The classification engine end to end: exact counts, lines set aside, progress, cancellation, options.</summary>
public sealed class EvaluationEngineTests : EngineJobTestBase
{
    [Test]
    public async Task EvaluateAsync_HandMadeDataset_ReturnsExactConfusionMatrix()
    {
        var job = Job(
            Line("d1", "la souche est sensible", "sensible"),
            Line("d2", "souche sensible .", "sensible"),
            Line("d3", "e coli blse", "BLSE"),
            Line("d4", "bacteries resistantes", "BLSE"),
            Line("d5", "souche sarm", "SARM"),
            Line("d6", "sarm , blse", "SARM"),
            Line("d7", "souche epc", "EPC"),
            Line("d8", "blse", "EPC"),
            Line("d9", "SARM", "sensible"),
            Line("d10", "Bactéries BLSE résistantes", "BLSE"));

        var result = await new EvaluationEngine(new EvaluationEngineOptions { BatchSize = 3 }).EvaluateAsync(job, null, CancellationToken.None);

        // Rows gold, columns predicted, both in the spec's order: EPC, sensible, SARM, BLSE.
        result.ConfusionMatrix.Labels.Should().Equal(SpecLabels);
        result.ConfusionMatrix.Matrix.Should().BeEquivalentTo(
            new long[][]
            {
                [1, 0, 0, 1],
                [0, 2, 1, 0],
                [0, 0, 2, 0],
                [0, 1, 0, 2],
            },
            options => options.WithStrictOrdering());
        result.Task.Should().Be(TaskTypes.SingleLabelClassification);
        result.NDocuments.Should().Be(10);
        result.Accuracy.Should().BeApproximately(0.7, 1e-12);
        result.InputSummary.Should().BeEquivalentTo(new InputSummary { DocumentsRead = 10, DocumentsEvaluated = 10 });
    }

    [Test]
    public async Task EvaluateAsync_BadLines_CountsEachKindAndScoresTheRest()
    {
        var lines = new List<byte[]>
        {
            Utf8(Line("a1", "souche blse", "BLSE")),
            Utf8("not json at all"),
            Utf8("""{"id":"a2","text":"souche" """),
            Utf8("[1,2,3]"),
            Utf8("""{"id":7,"text":"souche","label":"BLSE"}"""),
            Utf8("""{"text":"souche","label":"BLSE"}"""),
            Utf8("""{"id":"a10","text":"souche","label":"sensible"} {"x":1}"""),
            // A collection expression here would parse as an indexer initializer, hence Concat.
            Concat(Utf8("{\"id\":\"a3\",\"text\":\"souche "), [0xFF, 0xFE], Utf8("\",\"label\":\"BLSE\"}")),
            Utf8("""{"id":"a4","text":"","label":"BLSE"}"""),
            Utf8("""{"id":"a5","text":" \t ","label":"BLSE"}"""),
            Utf8("""{"id":"a6","text":"souche"}"""),
            Utf8("""{"id":"a7","text":"souche","label":null}"""),
            Utf8("""{"id":"a8","text":"souche","label":"VRE"}"""),
            Utf8(Line("a1", "souche sarm", "SARM")),
            Utf8(""),
            Utf8("   "),
            Utf8(Line("a11", new string('x', 300), "SARM")),
            Utf8("""{"site":"nord","id":"a9","text":"souche sarm","label":"SARM","meta":{"k":[1,2]}}"""),
        };
        var job = Job(lines);

        var result = await new EvaluationEngine(new EvaluationEngineOptions { MaxLineBytes = 256 }).EvaluateAsync(job, null, CancellationToken.None);

        result.InputSummary.DocumentsRead.Should().Be(16, "blank and whitespace-only lines are layout, not documents");
        result.InputSummary.DocumentsEvaluated.Should().Be(2);
        result.InputSummary.Skipped.Should().BeEquivalentTo(new Dictionary<string, long>
        {
            [SkipKinds.MalformedJson] = 6,
            [SkipKinds.InvalidUtf8] = 1,
            [SkipKinds.EmptyText] = 2,
            [SkipKinds.MissingLabel] = 2,
            [SkipKinds.UnknownLabel] = 1,
            [SkipKinds.DuplicateId] = 1,
            [SkipKinds.LineTooLong] = 1,
        });
        result.NDocuments.Should().Be(2);
        result.Accuracy.Should().Be(1);
    }

    [Test]
    public async Task EvaluateAsync_DocumentWithNaNLogits_CountsItAsInvalidLogits()
    {
        var job = Job(Line("p1", "souche poison blse", "BLSE"), Line("p2", "souche blse", "BLSE"));

        var result = await new EvaluationEngine().EvaluateAsync(job, null, CancellationToken.None);

        result.InputSummary.Should().BeEquivalentTo(new InputSummary
        {
            DocumentsRead = 2,
            DocumentsEvaluated = 1,
            Skipped = new Dictionary<string, long> { [SkipKinds.InvalidLogits] = 1 },
        });
    }

    [Test]
    public async Task EvaluateAsync_SeveralBatches_ReportsProgressPerBatchUpToTheTotal()
    {
        var job = Job([.. Enumerable.Range(0, 4).Select(i => Line($"g{i}", "souche blse", "BLSE")), "garbage line"]);
        var progress = new RecordingProgress<EvaluationProgress>();

        // One tokenizer, so batches reach the model in reading order and the reports are exact; chunks of one batch of lines.
        await new EvaluationEngine(new EvaluationEngineOptions { BatchSize = 2, LengthGroupBatches = 1, TokenizerThreads = 1 }).EvaluateAsync(job, progress, CancellationToken.None);

        // Two full batches, then the skipped last line: a final report closes the run at the total.
        progress.Reports.Should().Equal(
            new EvaluationProgress(2, 5),
            new EvaluationProgress(4, 5),
            new EvaluationProgress(5, 5));
    }

    [Test]
    public async Task EvaluateAsync_CancelledAfterFirstBatch_StopsWithOperationCanceled()
    {
        var job = Job([.. Enumerable.Range(0, 400).Select(i => Line($"c{i}", "souche sarm", "SARM"))]);
        using var cancellation = new CancellationTokenSource();
        var progress = new RecordingProgress<EvaluationProgress>(_ => cancellation.Cancel());

        var act = () => new EvaluationEngine(new EvaluationEngineOptions { BatchSize = 4 }).EvaluateAsync(job, progress, cancellation.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
        var report = progress.Reports.Should().ContainSingle("the run stops at the first batch boundary after cancellation").Which;
        report.DocumentsTotal.Should().Be(400);
        report.DocumentsDone.Should().BeLessThan(400).And.Match(done => done % 4 == 0, "progress moves by whole batches");
    }

    [Test]
    public async Task EvaluateAsync_TokenAlreadyCancelled_ThrowsWithoutReporting()
    {
        var job = Job(Line("x", "souche", "sensible"));
        var progress = new RecordingProgress<EvaluationProgress>();

        var act = () => new EvaluationEngine().EvaluateAsync(job, progress, new CancellationToken(canceled: true));

        await act.Should().ThrowAsync<OperationCanceledException>();
        progress.Reports.Should().BeEmpty();
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public async Task EvaluateAsync_RandomMixOfBadLinesAndLongDocuments_ReadEqualsEvaluatedPlusSkipped(int seed)
    {
        var random = new Random(seed);
        string[] words = ["la", "souche", "blse", "sarm", "epc", "poison", "bacteries"];
        var lines = Enumerable.Range(0, 300).Select(i => random.Next(12) switch
        {
            0 => Utf8("{broken"),
            1 => Utf8(Line($"r{random.Next(40)}", "souche", "BLSE")),
            2 => Utf8(Line($"u{i}", "souche", "VRE")),
            3 => Utf8(Line($"e{i}", " ", "SARM")),
            4 => [0xFF, 0x22],
            5 => Utf8(""),
            _ => Utf8(Line($"d{i}", string.Join(' ', Enumerable.Range(0, random.Next(1, 80)).Select(_ => words[random.Next(words.Length)])), SpecLabels[random.Next(4)])),
        }).ToList();
        var manifest = Manifest with { MaxLength = 8, Stride = 3, WindowAggregation = seed % 2 == 0 ? WindowAggregations.Max : WindowAggregations.Mean };

        var result = await new EvaluationEngine(new EvaluationEngineOptions { BatchSize = 1 + seed * 3, TokenizerThreads = 2 })
            .EvaluateAsync(Job(manifest, null, lines), null, CancellationToken.None);

        result.InputSummary.DocumentsRead.Should().Be(lines.Count(l => l.Length > 0));
        result.InputSummary.DocumentsRead.Should().Be(result.InputSummary.DocumentsEvaluated + result.InputSummary.Skipped.Values.Sum());
        result.NDocuments.Should().Be(result.InputSummary.DocumentsEvaluated);
        result.InputSummary.Skipped.Should().ContainKeys(SkipKinds.MalformedJson, SkipKinds.UnknownLabel, SkipKinds.InvalidLogits);
    }

    [Test]
    public void Constructor_InvalidOptions_ListsEveryProblem()
    {
        var act = () => new EvaluationEngine(new EvaluationEngineOptions { BatchSize = 0, IntraOpNumThreads = 0, TokenizerThreads = 0, MaxLineBytes = 10 });

        act.Should().Throw<ArgumentException>()
            .Which.Message.Should().Contain("BatchSize").And.Contain("IntraOpNumThreads").And.Contain("TokenizerThreads").And.Contain("MaxLineBytes");
    }
}
