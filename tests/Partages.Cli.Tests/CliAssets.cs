using Partages.ModelKit;

namespace Partages.Cli.Tests;

/// <summary>The fictional data and demo model, built once for the whole test run.</summary>
[SetUpFixture]
public sealed class CliAssets
{
    private static DemoAssetSet? _assets;

    public static DemoAssetSet Assets => _assets ?? throw new InvalidOperationException("Assets are built in the set-up fixture.");

    public static string Root { get; } = Path.Combine(Path.GetTempPath(), "partages-cli-tests-" + Environment.ProcessId);

    public static string SpecYaml { get; } = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "eval-specs", "amr-resistance.yaml"));

    [OneTimeSetUp]
    public async Task BuildAssets()
    {
        _assets = await DemoAssets.EnsureBuiltAsync(Path.Combine(Root, "assets"), null, CancellationToken.None);
    }

    [OneTimeTearDown]
    public void RemoveWorkDirectories()
    {
        if (Directory.Exists(Root) && TestContext.CurrentContext.Result.FailCount == 0)
        {
            Directory.Delete(Root, recursive: true);
        }
    }

    public static string NewDirectory(string name) => Path.Combine(Root, $"{name}-{Guid.NewGuid():N}"[..Math.Min(name.Length + 9, 60)]);
}
