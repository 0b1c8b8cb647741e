using System.Security.Cryptography;

namespace Partages.ModelKit.Tests;

public sealed class DemoAssetsTests
{
    [Test]
    public async Task EnsureBuiltAsync_TwoDirectories_ProduceIdenticalFiles()
    {
        var first = await DemoAssets.EnsureBuiltAsync(TestAssets.NewDirectory("twin-a"), TestAssets.Small);
        var second = await DemoAssets.EnsureBuiltAsync(TestAssets.NewDirectory("twin-b"), TestAssets.Small);

        first.Reused.Should().BeFalse();
        second.BundleSha256.Should().Be(first.BundleSha256);
        Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(second.BundlePath))).Should().Be(first.BundleSha256);
        foreach (var relative in RelativeFiles(first))
        {
            (await File.ReadAllBytesAsync(Path.Combine(second.OutputDirectory, relative))).Should()
                .Equal(await File.ReadAllBytesAsync(Path.Combine(first.OutputDirectory, relative)), because: relative + " must be reproducible");
        }
    }

    [Test]
    public async Task EnsureBuiltAsync_Layout_MatchesDocumentedPaths()
    {
        var assets = await TestAssets.DefaultAsync();

        RelativeFiles(assets).Should().BeEquivalentTo(
            "models/amr-classifier.zip",
            "models/oncology-ner.zip",
            "data/train/amr.jsonl",
            "data/chu-valmont/amr.jsonl",
            "data/chu-valmont/oncology.jsonl",
            "data/ch-saint-aubin/amr.jsonl",
            "data/ch-saint-aubin/oncology.jsonl",
            "data/hopital-kerbrac/amr.jsonl",
            "data/hopital-kerbrac/oncology.jsonl");
        assets.Hospitals.Select(h => h.AmrCount).Should().OnlyContain(count => count >= 150 && count <= 300).And.OnlyHaveUniqueItems();
        assets.Model.TrainingDocuments.Should().Be(2000);
        assets.Model.MaxLogitDifference.Should().BeLessThan(1e-4);
        var brat = assets.Hospitals.SelectMany(h => new[] { h.OncologyBratPath, h.OncologyBratSecondPath })
            .SelectMany(folder => Directory.GetFiles(folder)).Select(f => Path.GetRelativePath(assets.OutputDirectory, f)).ToList();
        brat.Should().HaveCount(assets.Hospitals.Sum(h => h.OncologyCount) * 4, "a .txt and an .ann per report in each annotator's brat folder");
        Directory.GetFiles(assets.OutputDirectory, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(assets.OutputDirectory, f))
            .Should().BeEquivalentTo(
                RelativeFiles(assets).Append(DemoAssets.StampFileName).Append("models/amr-classifier.zip.sig.json").Concat(brat),
                because: "no temporary file is left behind");
        var signature = Partages.Evaluation.Bundles.DetachedSignature.FromJson(File.ReadAllText(assets.SignaturePath));
        Partages.Evaluation.Bundles.BundleSigning.Verify(assets.BundleSha256, signature, assets.SignerPublicKeyPem).Should().BeTrue("the demo bundle is signed by the demo key");
    }

    [Test]
    public async Task EnsureBuiltAsync_MatchingStamp_ReusesFiles()
    {
        var directory = TestAssets.NewDirectory("reuse");
        var built = await DemoAssets.EnsureBuiltAsync(directory, TestAssets.Small);
        var writeTime = File.GetLastWriteTimeUtc(built.BundlePath);

        var again = await DemoAssets.EnsureBuiltAsync(directory, TestAssets.Small);

        again.Reused.Should().BeTrue();
        again.Should().BeEquivalentTo(built, options => options.Excluding(a => a.Reused));
        File.GetLastWriteTimeUtc(again.BundlePath).Should().Be(writeTime);
    }

    [Test]
    public async Task EnsureBuiltAsync_ChangedOptionsOrTamperedBundle_Rebuilds()
    {
        var directory = TestAssets.NewDirectory("rebuild");
        var built = await DemoAssets.EnsureBuiltAsync(directory, TestAssets.Small);

        var otherOptions = await DemoAssets.EnsureBuiltAsync(directory, TestAssets.Small with { Epochs = 3 });
        await File.WriteAllBytesAsync(otherOptions.BundlePath, [1, 2, 3]);
        var afterTampering = await DemoAssets.EnsureBuiltAsync(directory, TestAssets.Small with { Epochs = 3 });

        otherOptions.Reused.Should().BeFalse();
        otherOptions.BundleSha256.Should().NotBe(built.BundleSha256);
        afterTampering.Reused.Should().BeFalse();
        afterTampering.BundleSha256.Should().Be(otherOptions.BundleSha256);
    }

    [Test]
    public async Task EnsureBuiltAsync_EditedReportFile_RebuildsIt()
    {
        var directory = TestAssets.NewDirectory("edited");
        var built = await DemoAssets.EnsureBuiltAsync(directory, TestAssets.Small);
        var original = await File.ReadAllBytesAsync(built.Hospitals[1].AmrPath);
        await File.AppendAllTextAsync(built.Hospitals[1].AmrPath, "{\"id\":\"x\",\"text\":\"y\",\"label\":\"SARM\"}\n");

        var again = await DemoAssets.EnsureBuiltAsync(directory, TestAssets.Small);

        again.Reused.Should().BeFalse();
        (await File.ReadAllBytesAsync(again.Hospitals[1].AmrPath)).Should().Equal(original);
    }

    [Test]
    public async Task EnsureBuiltAsync_InvalidOptions_ThrowsListingEveryError()
    {
        var act = () => DemoAssets.EnsureBuiltAsync(TestAssets.NewDirectory("invalid"), new DemoAssetOptions { Epochs = 0, MaxLength = 2 });

        (await act.Should().ThrowAsync<ArgumentException>())
            .WithMessage("*Epochs*").WithMessage("*MaxLength*");
    }

    private static IEnumerable<string> RelativeFiles(DemoAssetSet assets) =>
        assets.Hospitals.SelectMany(h => new[] { h.AmrPath, h.OncologyPath })
            .Append(assets.TrainingAmrPath)
            .Append(assets.BundlePath)
            .Append(assets.NerBundlePath)
            .Select(path => Path.GetRelativePath(assets.OutputDirectory, path).Replace('\\', '/'));
}
