using System.Security.Cryptography;

namespace Partages.NodeAgent.Engine.Tests;

/// <summary>Dataset formats: inspection (line counts, fingerprints), CSV and brat datasets for classification.</summary>
public sealed class EvaluationEngineDatasetTests : EngineJobTestBase
{
    [Test]
    public async Task InspectAsync_Dataset_CountsContentLinesAndFingerprintsTheBytes()
    {
        var path = Temp.File("inspect.jsonl");
        byte[] content = [.. Utf8(Line("i1", "a", "BLSE") + "\n\n" + Line("i2", "b", "SARM") + "\r\n   \n"), 0xFF, .. Utf8("\n" + Line("i3", "c", "EPC"))];
        await File.WriteAllBytesAsync(path, content);

        var info = await new EvaluationEngine().InspectAsync(new DatasetDefinition("amr-reports", path, "jsonl"), CancellationToken.None);

        info.Should().Be(new DatasetInfo("amr-reports", "jsonl", 4, Convert.ToHexStringLower(SHA256.HashData(content))));
    }

    [Test]
    public async Task InspectAsync_DatasetFileMissing_Refuses()
    {
        var act = () => new EvaluationEngine().InspectAsync(new DatasetDefinition("amr-reports", Temp.File("none.jsonl"), "jsonl"), CancellationToken.None);

        await act.Should().ThrowAsync<EvaluationRefusedException>().WithMessage("dataset 'amr-reports' file not found*");
    }

    [Test]
    public async Task EvaluateAsync_CsvDataset_ScoresLikeTheSameJsonlAndCountsBadRows()
    {
        var csv = Temp.File("amr.csv");
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
        var csv = Temp.File("no-header.csv");
        await File.WriteAllTextAsync(csv, "c1,souche blse,BLSE\n");
        var job = Job(Line("x", "souche", "sensible")) with { BundlePath = Temp.File("absent.zip") };
        job = job with { Dataset = new DatasetDefinition(Spec.Dataset, csv, DatasetFormats.Csv) };

        var act = () => new EvaluationEngine().EvaluateAsync(job, null, CancellationToken.None);

        await act.Should().ThrowAsync<EvaluationRefusedException>().WithMessage("dataset 'amr-reports': the CSV dataset's header lacks column(s) id, text, label*");
    }

    [Test]
    public async Task EvaluateAsync_BratDatasetForClassification_Refuses()
    {
        var job = Job(Line("x", "souche", "sensible"));
        job = job with { Dataset = new DatasetDefinition(Spec.Dataset, Temp.Path, DatasetFormats.Brat) };

        var act = () => new EvaluationEngine().EvaluateAsync(job, null, CancellationToken.None);

        await act.Should().ThrowAsync<EvaluationRefusedException>().WithMessage("*brat folder of entity annotations*");
    }

    [Test]
    public async Task InspectAsync_CsvDataset_CountsRecordsNotLinesNorTheHeader()
    {
        var csv = Temp.File("inspect.csv");
        byte[] content = Utf8("id,text,label\n1,\"a\nb\nc\",BLSE\n\n2,b,SARM\n");
        await File.WriteAllBytesAsync(csv, content);

        var info = await new EvaluationEngine().InspectAsync(new DatasetDefinition("amr-reports", csv, DatasetFormats.Csv), CancellationToken.None);

        info.Should().Be(new DatasetInfo("amr-reports", "csv", 2, Convert.ToHexStringLower(SHA256.HashData(content))));
    }

    [Test]
    public async Task InspectAsync_BratFolder_CountsTextFilesAndFingerprintsBothFiles()
    {
        var folder = Directory.CreateDirectory(Temp.File("brat")).FullName;
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
}
