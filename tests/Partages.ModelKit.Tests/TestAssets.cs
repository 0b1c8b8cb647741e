namespace Partages.ModelKit.Tests;

/// <summary>
/// Assets built once per test run with the default options (about two seconds), shared by every test
/// that only reads them; tests that build on purpose use their own directories under <see cref="Root"/>.
/// </summary>
internal static class TestAssets
{
    public static string Root { get; } = Path.Combine(Path.GetTempPath(), "partages-modelkit-tests-" + Guid.NewGuid().ToString("N"));

    private static readonly Lazy<Task<DemoAssetSet>> s_default =
        new(() => DemoAssets.EnsureBuiltAsync(Path.Combine(Root, "default")));

    /// <summary>Small corpora and few epochs: for tests about files and bytes, not about accuracy.</summary>
    public static DemoAssetOptions Small { get; } = new() { HospitalScale = 0.25, TrainingDocuments = 300, Epochs = 2 };

    public static Task<DemoAssetSet> DefaultAsync() => s_default.Value;

    public static string NewDirectory(string name) => Path.Combine(Root, name + "-" + Guid.NewGuid().ToString("N")[..8]);
}

[SetUpFixture]
public sealed class TestAssetsCleanup
{
    [OneTimeTearDown]
    public void DeleteBuiltAssets()
    {
        if (Directory.Exists(TestAssets.Root))
        {
            Directory.Delete(TestAssets.Root, recursive: true);
        }
    }
}
