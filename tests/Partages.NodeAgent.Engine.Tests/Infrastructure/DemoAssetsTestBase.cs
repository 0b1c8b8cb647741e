using Partages.ModelKit;

namespace Partages.NodeAgent.Engine.Tests.Infrastructure;

/// <summary>
/// A fixture on the demo's real artefacts (the ModelKit's trained bundles and the fictional hospitals' reports), built
/// once in a temporary folder of its own, under <paramref name="assetsFolder"/> of it, and removed after; with the
/// repository spec at <paramref name="specPath"/>, which must parse without error. A derived fixture's own
/// <c>OneTimeSetUp</c> runs after this one, so it may add to <see cref="Root"/>.
/// </summary>
public abstract class DemoAssetsTestBase(string folderPrefix, string specPath, DemoAssetOptions? options = null, string assetsFolder = "")
{
    /// <summary>The AMR spec the project file copies next to the tests.</summary>
    private protected static string AmrSpecPath => Path.Combine(AppContext.BaseDirectory, "eval-specs", "amr-resistance.yaml");

    private protected string Root { get; private set; } = null!;

    private protected DemoAssetSet Assets { get; private set; } = null!;

    private protected EvaluationSpec TestSpec { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task BuildAssets()
    {
        Root = Directory.CreateTempSubdirectory(folderPrefix).FullName;
        Assets = await DemoAssets.EnsureBuiltAsync(Path.Combine(Root, assetsFolder), options, CancellationToken.None);
        var parsed = SpecParser.Parse(await File.ReadAllTextAsync(specPath));
        parsed.Errors.Should().BeEmpty();
        TestSpec = parsed.Spec!;
    }

    [OneTimeTearDown]
    public void RemoveAssets() => Directory.Delete(Root, recursive: true);

    /// <summary>The text of every AMR report of every hospital, in file order, to compare two encoders on.</summary>
    private protected async Task<List<string>> AmrTextsAsync()
    {
        var texts = new List<string>();
        foreach (var hospital in Assets.Hospitals)
        {
            foreach (var line in await File.ReadAllLinesAsync(hospital.AmrPath, Encoding.UTF8))
            {
                using var document = JsonDocument.Parse(line);
                texts.Add(document.RootElement.GetProperty("text").GetString()!);
            }
        }

        return texts;
    }
}
