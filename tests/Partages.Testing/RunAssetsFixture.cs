namespace Partages.Testing;

/// <summary>
/// The base of a test assembly's <c>[SetUpFixture]</c> that builds assets once for the whole run (the demo's data and
/// model, minutes of work) in a work folder of its own under the system temp folder. Tests make their own directories
/// in it with <see cref="NewDirectory"/>. The folder is deleted at the end of a run in which nothing failed, and kept
/// otherwise, for a post-mortem of the logs and files the failing test left there.
/// </summary>
/// <typeparam name="TAssets">What <see cref="BuildAsync"/> returns: one set per test assembly, as there is one derived fixture.</typeparam>
public abstract class RunAssetsFixture<TAssets>
    where TAssets : class
{
    private static TAssets? s_assets;

    public static TAssets Assets => s_assets ?? throw new InvalidOperationException("Assets are built in the set-up fixture.");

    /// <summary>The run's work folder: one per test process, so two test projects running at once do not meet.</summary>
    public static string Root { get; } = Path.Combine(Path.GetTempPath(), "partages-tests-" + Environment.ProcessId);

    /// <summary>A new directory path under <see cref="Root"/> (not created), named after the test for whoever reads a kept folder.</summary>
    public static string NewDirectory(string name) => Path.Combine(Root, $"{name}-{Guid.NewGuid():N}"[..Math.Min(name.Length + 9, 60)]);

    [OneTimeSetUp]
    public async Task BuildAssetsAsync() => s_assets = await BuildAsync(Path.Combine(Root, "assets"), CancellationToken.None);

    [OneTimeTearDown]
    public void RemoveWorkDirectories()
    {
        if (Directory.Exists(Root) && TestContext.CurrentContext.Result.FailCount == 0)
        {
            Directory.Delete(Root, recursive: true);
        }
    }

    /// <summary>Builds the assets into <paramref name="directory"/>.</summary>
    protected abstract Task<TAssets> BuildAsync(string directory, CancellationToken cancellationToken);
}
