namespace Partages.Benchmarks.Federation;

/// <summary>What one <c>federation</c> run measures; checked once, every problem listed.</summary>
internal sealed record FederationSettings : IBenchmarkSettings
{
    public int Nodes { get; init; } = 200;

    /// <summary>Scheduling rounds (submit → offers → results → pooled); 0 skips them.</summary>
    public int Rounds { get; init; } = 5;

    /// <summary>Size of the artifact pushed and downloaded concurrently; 0 skips the artifact phase.</summary>
    public int BundleMegabytes { get; init; }

    public int Downloaders { get; init; } = 10;

    public int DownloadRounds { get; init; } = 3;

    /// <summary>Last: SIGTERM to the coordinator with every session and a watch stream open; how long it takes to exit.</summary>
    public bool Stop { get; init; }

    /// <summary>Where the coordinator's data dir and the logs go; a new temporary folder when null.</summary>
    public string? WorkDirectory { get; init; }

    /// <summary>Bound on one wait (all offers of a round, all runs running, the pooled result, one download round).</summary>
    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromSeconds(120);

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Nodes is < 1 or > 5000)
        {
            errors.Add($"--nodes is {Nodes}; it must be within 1..5000.");
        }

        if (Rounds is < 0 or > 100)
        {
            errors.Add($"--rounds is {Rounds}; it must be within 0..100.");
        }

        if (BundleMegabytes is < 0 or > 2048)
        {
            errors.Add($"--bundle-mb is {BundleMegabytes}; it must be within 0..2048 (0 skips the artifact phase).");
        }

        if (BundleMegabytes > 0 && (Downloaders < 1 || Downloaders > Nodes))
        {
            errors.Add($"--downloaders is {Downloaders}; it must be within 1..--nodes ({Nodes}).");
        }

        if (DownloadRounds is < 1 or > 100)
        {
            errors.Add($"--download-rounds is {DownloadRounds}; it must be within 1..100.");
        }

        if (Rounds == 0 && BundleMegabytes == 0 && !Stop)
        {
            errors.Add("Nothing to measure: --rounds 0, no --bundle-mb and no --stop.");
        }

        if (StepTimeout <= TimeSpan.Zero)
        {
            errors.Add("--timeout-seconds must be positive.");
        }

        if (WorkDirectory is { } directory && Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any())
        {
            errors.Add($"--work-dir {directory} is not empty; the coordinator must start on a fresh data dir.");
        }

        return errors;
    }
}
