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

    /// <summary>
    /// Instead of the scheduling rounds: pairs of evaluations of the same counts, one per site and one pooled-only whose
    /// nodes take part in the secure sum over gRPC, alternated; <see cref="Rounds"/> is the number of measured pairs.
    /// </summary>
    public bool SecureAggregation { get; init; }

    /// <summary>In each secure sum, one node goes silent once its masked vector is in (a node killed after masking).</summary>
    public bool DropAfterMasking { get; init; }

    /// <summary>The coordinator's <c>SecureAggregation:RoundSeconds</c>: how long a round waits for a missing member.</summary>
    public int SecureRoundSeconds { get; init; } = 300;

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

        if (SecureAggregation)
        {
            // A secure sum needs three members; each node's policy in the benchmark asks for at least three.
            OptionRange.Check(errors, "--nodes", Nodes, 3, 5000, "(with --secure-aggregation)");
            OptionRange.Check(errors, "--rounds", Rounds, 1, 100, "(with --secure-aggregation: measured pairs)");
            OptionRange.Check(errors, "--secure-round-seconds", SecureRoundSeconds, 1, 3600);
        }
        else if (DropAfterMasking)
        {
            errors.Add("--drop-after-masking needs --secure-aggregation.");
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
