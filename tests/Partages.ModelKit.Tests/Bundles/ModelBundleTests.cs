using Partages.Evaluation.Bundles;
using Partages.ModelKit.Bundles;

namespace Partages.ModelKit.Tests.Bundles;

public sealed class ModelBundleTests
{
    [Test]
    public async Task Pack_DefaultBundle_HoldsManifestModelAndVocabInThatOrder()
    {
        var assets = await TestAssets.DefaultAsync();

        using var zip = ZipFile.OpenRead(assets.BundlePath);

        zip.Entries.Select(e => e.FullName).Should().Equal("manifest.json", "model.onnx", "vocab.txt");
        zip.Entries.Should().OnlyContain(e => e.LastWriteTime.DateTime == new DateTime(2026, 1, 1, 0, 0, 0));
        zip.Entries.Should().OnlyContain(e => e.CompressedLength == e.Length, because: "entries are stored, independent of any zlib build");
    }

    [Test]
    public async Task Pack_DefaultBundle_ManifestDescribesTheGraph()
    {
        var assets = await TestAssets.DefaultAsync();
        using var zip = ZipFile.OpenRead(assets.BundlePath);
        using var reader = new StreamReader(zip.GetEntry(ModelManifest.FileName)!.Open());

        var manifest = ModelManifest.FromJson(await reader.ReadToEndAsync());

        manifest.Task.Should().Be(TaskTypes.SingleLabelClassification);
        manifest.Labels.Should().Equal(AmrLabels.All);
        manifest.MaxLength.Should().Be(128);
        manifest.Model.Should().Be("model.onnx");
        manifest.Tokenizer.Should().Be(new TokenizerSpec { Kind = "bert_wordpiece", Vocab = "vocab.txt", Lowercase = true, StripAccents = true });
        manifest.Inputs.Should().Be(new ModelInputs { InputIds = "input_ids", AttentionMask = "attention_mask", TokenTypeIds = null });
        manifest.Outputs.Logits.Should().Be("logits");
    }

    [Test]
    public void Create_SameEntries_SameBytesAndReadableByZipArchive()
    {
        (string, byte[])[] entries = [("a.txt", "alpha\n"u8.ToArray()), ("dossier/é.bin", [0, 1, 2, 255])];

        var first = DeterministicZip.Create(entries);
        var second = DeterministicZip.Create(entries);

        second.Should().Equal(first);
        using var zip = new ZipArchive(new MemoryStream(first), ZipArchiveMode.Read);
        zip.Entries.Select(e => e.FullName).Should().Equal("a.txt", "dossier/é.bin");
        using var content = new MemoryStream();
        zip.Entries[1].Open().CopyTo(content);
        content.ToArray().Should().Equal(0, 1, 2, 255);
    }
}
