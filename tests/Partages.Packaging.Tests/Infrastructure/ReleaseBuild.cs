namespace Partages.Packaging.Tests.Infrastructure;

/// <summary>
/// The node agent's release, built by tools/release/build-release.sh exactly as a release is, once per test run. The
/// script's --reuse skips publishing when no source file is newer than the last publish into
/// artifacts/release-docs-test (ignored by git), so a second run only packages again.
/// </summary>
internal static class ReleaseBuild
{
    // A cold self-contained publish of the agent and its worker took about 1 minute here, 5 under a load of 20.
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(20);

    private static readonly Lazy<Task<string>> NodeAgent = new(BuildNodeAgentAsync);

    public static string OutputDirectory => RepositoryFiles.PathOf("artifacts", "release-docs-test");

    /// <summary>The folder holding the .deb and SHA256SUMS.</summary>
    public static Task<string> NodeAgentAsync() => NodeAgent.Value;

    private static async Task<string> BuildNodeAgentAsync()
    {
        var script = $"'{RepositoryFiles.PathOf("tools", "release", "build-release.sh")}' --only node-agent --reuse --output '{OutputDirectory}'";
        var started = System.Diagnostics.Stopwatch.StartNew();
        var result = await Shell.RunAsync(script, RepositoryFiles.Root, null, BuildTimeout, CancellationToken.None).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"build-release.sh failed (exit {result.ExitCode}):\n{result.Output}");
        }

        await TestContext.Progress.WriteLineAsync($"Release built in {started.Elapsed.TotalSeconds:F0} s:\n{result.StandardError}").ConfigureAwait(false);
        return OutputDirectory;
    }
}
