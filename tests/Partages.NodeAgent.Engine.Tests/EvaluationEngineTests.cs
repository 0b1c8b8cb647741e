using System.Security.Cryptography;
using System.Text;
using Partages.Evaluation.Bundles;
using Partages.Evaluation.Results;
using Partages.NodeAgent.Engine.Datasets;
using Partages.NodeAgent.Engine.Tests.Infrastructure;
using static Partages.NodeAgent.Engine.Tests.Infrastructure.AmrTestModel;

namespace Partages.NodeAgent.Engine.Tests;

public sealed class EvaluationEngineTests
{
    private TestDirectory _directory = null!;

    [SetUp]
    public void SetUp() => _directory = new TestDirectory();

    [TearDown]
    public void TearDown() => _directory.Dispose();

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

    [Test]
    public async Task EvaluateAsync_GraphInputNamesDifferFromManifest_RefusesNamingTheMismatch()
    {
        var job = Job(Manifest, Graph with { InputIds = "ids", AttentionMask = "mask" }, Line("x", "souche", "sensible"));

        var act = () => new EvaluationEngine().EvaluateAsync(job, null, CancellationToken.None);

        var refusal = await act.Should().ThrowAsync<EvaluationRefusedException>();
        refusal.Which.Message.Should()
            .Contain("manifest input 'input_ids' is not an input of the graph (graph inputs: ids, mask)").And
            .Contain("manifest input 'attention_mask' is not an input of the graph").And
            .Contain("graph input 'ids' is required but the manifest does not name it");
    }

    [Test]
    public async Task EvaluateAsync_GraphRequiresAnInputTheManifestOmits_Refuses()
    {
        var job = Job(Manifest, Graph with { ExtraInput = "position_ids" }, Line("x", "souche", "sensible"));

        var act = () => new EvaluationEngine().EvaluateAsync(job, null, CancellationToken.None);

        await act.Should().ThrowAsync<EvaluationRefusedException>()
            .WithMessage("*graph input 'position_ids' is required but the manifest does not name it (manifest inputs: input_ids, attention_mask)*");
    }

    [Test]
    public async Task EvaluateAsync_LogitsLastDimensionDiffersFromLabelCount_Refuses()
    {
        var job = Job(Manifest, Graph with { DeclaredClasses = 3, Classes = 3 }, Line("x", "souche", "sensible"));

        var act = () => new EvaluationEngine().EvaluateAsync(job, null, CancellationToken.None);

        await act.Should().ThrowAsync<EvaluationRefusedException>()
            .WithMessage("*graph output 'logits' has 3 classes in its last dimension but the manifest lists 4 labels*");
    }

    [Test]
    public async Task EvaluateAsync_LogitsOutputNameDiffers_Refuses()
    {
        var job = Job(Manifest, Graph with { Logits = "scores" }, Line("x", "souche", "sensible"));

        var act = () => new EvaluationEngine().EvaluateAsync(job, null, CancellationToken.None);

        await act.Should().ThrowAsync<EvaluationRefusedException>()
            .WithMessage("*manifest output 'logits' is not an output of the graph (graph outputs: scores)*");
    }

    [Test]
    public async Task EvaluateAsync_ModelIsNotOnnx_Refuses()
    {
        var job = Job(Manifest, null, Line("x", "souche", "sensible")) with
        {
            BundlePath = WriteBundle(_directory.File("garbage.zip"), model: Utf8("this is not a protobuf graph")),
        };

        var act = () => new EvaluationEngine().EvaluateAsync(job, null, CancellationToken.None);

        await act.Should().ThrowAsync<EvaluationRefusedException>().WithMessage("model.onnx is not a readable ONNX model*");
    }

    [Test]
    public async Task EvaluateAsync_SpecLabelsDifferFromModelLabels_RefusesNamingBothLists()
    {
        var job = Job(Line("x", "souche", "sensible"));
        job = job with { Spec = job.Spec with { Labels = ["sensible", "BLSE", "SARM", "ERV"] } };

        var act = () => new EvaluationEngine().EvaluateAsync(job, null, CancellationToken.None);

        (await act.Should().ThrowAsync<EvaluationRefusedException>()).Which.Message.Should()
            .Be("the spec's labels [sensible, BLSE, SARM, ERV] differ from the model's labels [sensible, BLSE, SARM, EPC]");
    }

    [Test]
    public async Task EvaluateAsync_DatasetFileMissing_RefusesNamingTheDataset()
    {
        var job = Job(Line("x", "souche", "sensible"));
        job = job with { Dataset = job.Dataset with { Path = _directory.File("absent.jsonl") } };

        var act = () => new EvaluationEngine().EvaluateAsync(job, null, CancellationToken.None);

        await act.Should().ThrowAsync<EvaluationRefusedException>().WithMessage("dataset 'amr-reports' file not found*absent.jsonl");
    }

    [Test]
    public async Task EvaluateAsync_DatasetFormatUnknown_Refuses()
    {
        var job = Job(Line("x", "souche", "sensible"));
        job = job with { Dataset = job.Dataset with { Format = "xml" } };

        var act = () => new EvaluationEngine().EvaluateAsync(job, null, CancellationToken.None);

        await act.Should().ThrowAsync<EvaluationRefusedException>().WithMessage("dataset 'amr-reports' has format 'xml'*supported: jsonl, csv, brat*");
    }

    [Test]
    public async Task EvaluateAsync_BundleFileMissing_Refuses()
    {
        var job = Job(Line("x", "souche", "sensible")) with { BundlePath = _directory.File("absent.zip") };

        var act = () => new EvaluationEngine().EvaluateAsync(job, null, CancellationToken.None);

        await act.Should().ThrowAsync<EvaluationRefusedException>().WithMessage("model bundle not found*");
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

    [Test]
    public async Task InspectAsync_Dataset_CountsContentLinesAndFingerprintsTheBytes()
    {
        var path = _directory.File("inspect.jsonl");
        byte[] content = [.. Utf8(Line("i1", "a", "BLSE") + "\n\n" + Line("i2", "b", "SARM") + "\r\n   \n"), 0xFF, .. Utf8("\n" + Line("i3", "c", "EPC"))];
        await File.WriteAllBytesAsync(path, content);

        var info = await new EvaluationEngine().InspectAsync(new DatasetDefinition("amr-reports", path, "jsonl"), CancellationToken.None);

        info.Should().Be(new DatasetInfo("amr-reports", "jsonl", 4, Convert.ToHexStringLower(SHA256.HashData(content))));
    }

    [Test]
    public async Task InspectAsync_DatasetFileMissing_Refuses()
    {
        var act = () => new EvaluationEngine().InspectAsync(new DatasetDefinition("amr-reports", _directory.File("none.jsonl"), "jsonl"), CancellationToken.None);

        await act.Should().ThrowAsync<EvaluationRefusedException>().WithMessage("dataset 'amr-reports' file not found*");
    }

    [Test]
    public async Task EvaluateAsync_CsvDataset_ScoresLikeTheSameJsonlAndCountsBadRows()
    {
        var csv = _directory.File("amr.csv");
        await File.WriteAllTextAsync(csv, "id,text,label\r\nc1,\"souche, blse\",BLSE\r\nc2,\"dit \"\"sarm\"\"\nsur deux lignes\",SARM\r\nc3,souche,sensible,extra\r\nc4,souche epc,EPC\r\n");
        var job = Job(Line("x", "souche", "sensible"));
        job = job with { Dataset = new DatasetDefinition(Spec.Dataset, csv, DatasetFormats.Csv) };
        var progress = new RecordingProgress<EvaluationProgress>();

        var result = await new EvaluationEngine().EvaluateAsync(job, progress, CancellationToken.None);

        result.Accuracy.Should().Be(1);
        result.InputSummary.Should().BeEquivalentTo(new InputSummary
        {
            DocumentsRead = 4,
            DocumentsEvaluated = 3,
            Skipped = new Dictionary<string, long> { [SkipKinds.MalformedCsv] = 1 },
        });
        progress.Reports[^1].Should().Be(new EvaluationProgress(4, 4), "the scanner counts records, not lines, and not the header");
    }

    [Test]
    public async Task EvaluateAsync_CsvWithoutHeader_RefusesBeforeLoadingTheModel()
    {
        var csv = _directory.File("no-header.csv");
        await File.WriteAllTextAsync(csv, "c1,souche blse,BLSE\n");
        var job = Job(Line("x", "souche", "sensible")) with { BundlePath = _directory.File("absent.zip") };
        job = job with { Dataset = new DatasetDefinition(Spec.Dataset, csv, DatasetFormats.Csv) };

        var act = () => new EvaluationEngine().EvaluateAsync(job, null, CancellationToken.None);

        await act.Should().ThrowAsync<EvaluationRefusedException>().WithMessage("dataset 'amr-reports': the CSV dataset's header lacks column(s) id, text, label*");
    }

    [Test]
    public async Task EvaluateAsync_BratDatasetForClassification_Refuses()
    {
        var job = Job(Line("x", "souche", "sensible"));
        job = job with { Dataset = new DatasetDefinition(Spec.Dataset, _directory.Path, DatasetFormats.Brat) };

        var act = () => new EvaluationEngine().EvaluateAsync(job, null, CancellationToken.None);

        await act.Should().ThrowAsync<EvaluationRefusedException>().WithMessage("*brat folder of entity annotations*");
    }

    [Test]
    public async Task InspectAsync_CsvDataset_CountsRecordsNotLinesNorTheHeader()
    {
        var csv = _directory.File("inspect.csv");
        byte[] content = Utf8("id,text,label\n1,\"a\nb\nc\",BLSE\n\n2,b,SARM\n");
        await File.WriteAllBytesAsync(csv, content);

        var info = await new EvaluationEngine().InspectAsync(new DatasetDefinition("amr-reports", csv, DatasetFormats.Csv), CancellationToken.None);

        info.Should().Be(new DatasetInfo("amr-reports", "csv", 2, Convert.ToHexStringLower(SHA256.HashData(content))));
    }

    [Test]
    public async Task InspectAsync_BratFolder_CountsTextFilesAndFingerprintsBothFiles()
    {
        var folder = Directory.CreateDirectory(_directory.File("brat")).FullName;
        await File.WriteAllTextAsync(Path.Combine(folder, "a.txt"), "sarm");
        await File.WriteAllTextAsync(Path.Combine(folder, "a.ann"), "T1\tGERME 0 4\tsarm\n");
        await File.WriteAllTextAsync(Path.Combine(folder, "b.txt"), "blse");
        var dataset = new DatasetDefinition("ner", folder, DatasetFormats.Brat);

        var before = await new EvaluationEngine().InspectAsync(dataset, CancellationToken.None);
        await File.WriteAllTextAsync(Path.Combine(folder, "a.ann"), "T1\tGERME 0 3\tsar\n");
        var after = await new EvaluationEngine().InspectAsync(dataset, CancellationToken.None);

        before.DocumentCount.Should().Be(2);
        after.Fingerprint.Should().NotBe(before.Fingerprint, "an edited annotation is another dataset");
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

    private EvaluationJob Job(params string[] lines) => Job(Manifest, null, lines);

    private EvaluationJob Job(ModelManifest manifest, KeywordGraph? graph, params string[] lines) =>
        Job(manifest, graph, [.. lines.Select(Utf8)]);

    private EvaluationJob Job(List<byte[]> lines) => Job(Manifest, null, lines);

    private EvaluationJob Job(ModelManifest manifest, KeywordGraph? graph, List<byte[]> lines)
    {
        var dataset = _directory.File($"dataset-{Guid.NewGuid():N}.jsonl");
        using (var stream = File.Create(dataset))
        {
            foreach (var line in lines)
            {
                stream.Write(line);
                stream.WriteByte((byte)'\n');
            }
        }

        var bundle = WriteBundle(_directory.File($"bundle-{Guid.NewGuid():N}.zip"), manifest, graph);
        return new EvaluationJob(bundle, Spec, new DatasetDefinition(Spec.Dataset, dataset, DatasetFormats.Jsonl));
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];
}
