using System.IO.Compression;
using Partages.NodeAgent.Engine.Bundles;

namespace Partages.NodeAgent.Engine.Tests.Bundles;

public sealed class BundleReaderTests : TempDirectoryTestBase
{
    private static readonly EvaluationEngineOptions Options = new();
    [Test]
    public void Read_ValidBundle_ReturnsTheManifestAndTheFilesItNames()
    {
        var path = WriteBundle(Temp.File("ok.zip"));

        var bundle = BundleReader.Read(path, Options);

        bundle.Manifest.Should().BeEquivalentTo(Manifest);
        bundle.Model.ToArray().Should().Equal(Graph.ToOnnx());
        Encoding.UTF8.GetString(bundle.Vocabulary.Span).Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().Equal(Vocabulary);
    }

    [Test]
    public void Read_FilesInAFolderWithItsFolderEntry_Accepted()
    {
        var manifest = Manifest with { Model = "onnx/model.onnx" };
        var path = WriteBundle(Temp.File("folder.zip"), manifest, extraEntries: new Dictionary<string, byte[]> { ["onnx/"] = [] });

        BundleReader.Read(path, Options).Manifest.Model.Should().Be("onnx/model.onnx");
    }

    [Test]
    public void Read_EntryTheManifestDoesNotName_Refuses()
    {
        var path = WriteBundle(Temp.File("extra.zip"), extraEntries: new Dictionary<string, byte[]> { ["run.sh"] = Encoding.UTF8.GetBytes("#!/bin/sh") });

        var act = () => BundleReader.Read(path, Options);

        act.Should().Throw<EvaluationRefusedException>()
            .WithMessage("model bundle holds entries its manifest does not name: run.sh (allowed: manifest.json, model.onnx, vocab.txt)");
    }

    [TestCase("../model.onnx")]
    [TestCase("/etc/cron.d/job")]
    [TestCase("a/../../b")]
    [TestCase("C:\\temp\\x")]
    [TestCase("./model.onnx")]
    public void Read_EntryNameThatCouldEscapeAFolder_Refuses(string name)
    {
        var path = WriteBundle(Temp.File("slip.zip"), extraEntries: new Dictionary<string, byte[]> { [name] = [1, 2, 3] });

        var act = () => BundleReader.Read(path, Options);

        act.Should().Throw<EvaluationRefusedException>().WithMessage("model bundle entry '*' is not a plain relative path");
    }

    [Test]
    public void Read_ManifestNamesAPathOutsideTheBundle_Refuses()
    {
        var manifest = Manifest with { Model = "../model.onnx" };
        var path = Temp.File("escape.zip");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            using var writer = new StreamWriter(zip.CreateEntry("manifest.json").Open());
            writer.Write(manifest.ToJson());
        }

        var act = () => BundleReader.Read(path, Options);

        act.Should().Throw<EvaluationRefusedException>().WithMessage("manifest model '../model.onnx' is not a plain relative path inside the bundle");
    }

    [Test]
    public void Read_NoManifest_Refuses()
    {
        var path = WriteBundle(Temp.File("nomanifest.zip"), includeManifest: false);

        var act = () => BundleReader.Read(path, Options);

        act.Should().Throw<EvaluationRefusedException>().WithMessage("model bundle has no manifest.json at its root");
    }

    [Test]
    public void Read_InvalidManifest_RefusesWithTheManifestErrors()
    {
        var path = WriteBundle(Temp.File("badmanifest.zip"), Manifest with { MaxLength = 2 });

        var act = () => BundleReader.Read(path, Options);

        act.Should().Throw<EvaluationRefusedException>().WithMessage("manifest.json is not valid:*max_length: 2 is outside 8..8192*");
    }

    [Test]
    public void Read_ModelLargerThanTheLimit_Refuses()
    {
        var path = WriteBundle(Temp.File("big.zip"), model: new byte[4096]);

        var act = () => BundleReader.Read(path, Options with { MaxModelBytes = 1024 });

        act.Should().Throw<EvaluationRefusedException>().WithMessage("model bundle entry 'model.onnx' is 4096 bytes; the limit is 1024");
    }

    [Test]
    public void Read_FileIsNotAZip_Refuses()
    {
        var path = Temp.File("plain.zip");
        File.WriteAllText(path, "not a zip archive");

        var act = () => BundleReader.Read(path, Options);

        act.Should().Throw<EvaluationRefusedException>().WithMessage("model bundle is not a valid zip archive*");
    }

    [Test]
    public void Read_FileMissing_Refuses()
    {
        var act = () => BundleReader.Read(Temp.File("none.zip"), Options);

        act.Should().Throw<EvaluationRefusedException>().WithMessage("model bundle not found*none.zip");
    }
}
