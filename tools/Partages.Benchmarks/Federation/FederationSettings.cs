using Partages.Evaluation;

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

    /// <summary>Coordinator replicas (<see cref="ScaleOutOptions"/>); above 1 they share PostgreSQL.</summary>
    public int Replicas { get; init; } = 1;

    /// <summary>The coordinator's database on a PostgreSQL server started for the run.</summary>
    public bool Postgres { get; init; }

    /// <summary>After the rounds, the last replica killed; its nodes move to the others, then one more checked round.</summary>
    public bool KillReplica { get; init; }

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        OptionRange.Check(errors, "--nodes", Nodes, 1, 10000);
        OptionRange.Check(errors, "--rounds", Rounds, 0, 100);
        OptionRange.Check(errors, "--bundle-mb", BundleMegabytes, 0, 2048, "(0 skips the artifact phase)");
        if (BundleMegabytes > 0)
        {
            OptionRange.Check(errors, "--downloaders", Downloaders, 1, Nodes, "(--nodes)");
        }

        OptionRange.Check(errors, "--download-rounds", DownloadRounds, 1, 100);
        ScaleOutOptions.Validate(this, errors);

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
