using System.CommandLine;

namespace Partages.Benchmarks.Federation;

/// <summary>
/// `federation`: one real coordinator process and many simulated nodes (docs/benchmarks.md, "Coordinator with many
/// nodes"). Exit codes: 0 every figure comes from a checked run; 1 the run broke (nothing is reported); 2 bad options.
/// </summary>
internal static class FederationBenchmarkCommand
{
    public static Command Create()
    {
        var nodes = new Option<int>("--nodes") { Description = "Simulated nodes, each enrolled with its own token and connected over its own mTLS connection.", DefaultValueFactory = _ => 200 };
        var rounds = new Option<int>("--rounds") { Description = "Scheduling rounds: submit → offers at every node → results → pooled result. 0 skips them.", DefaultValueFactory = _ => 5 };
        var bundleMb = new Option<int>("--bundle-mb") { Description = "Push an artifact of this many MiB and have --downloaders nodes download it at once. 0 (default) skips it.", DefaultValueFactory = _ => 0 };
        var downloaders = new Option<int>("--downloaders") { Description = "Nodes downloading the artifact concurrently.", DefaultValueFactory = _ => 10 };
        var downloadRounds = new Option<int>("--download-rounds") { Description = "Concurrent download rounds of the artifact.", DefaultValueFactory = _ => 3 };
        var workDir = new Option<string?>("--work-dir") { Description = "New or empty folder for the coordinator's data dir and logs (default: a new temporary folder)." };
        var stop = new Option<bool>("--stop") { Description = "Last, SIGTERM the coordinator with every node session and a WatchEvaluation stream open, and time its exit." };
        var timeout = new Option<int>("--timeout-seconds") { Description = "Bound on each wait (offers of a round, the pooled result, a download round); passing it fails the run.", DefaultValueFactory = _ => 120 };
        var secure = new Option<bool>("--secure-aggregation") { Description = "Alternate per-site evaluations with pooled-only ones whose nodes run the secure sum over gRPC (--rounds pairs after a warm-up pair); each secure sum is checked against the nodes' counts and the per-site pooled result." };
        var drop = new Option<bool>("--drop-after-masking") { Description = "With --secure-aggregation: one node goes silent once its masked vector is in; the sum completes from the others' shares." };
        var roundSeconds = new Option<int>("--secure-round-seconds") { Description = "The coordinator's SecureAggregation:RoundSeconds (how long a round waits for a missing member).", DefaultValueFactory = _ => 300 };
        var command = new Command("federation", "Submit-to-offers and last-result-to-pooled latency with many simulated nodes on one coordinator; concurrent artifact downloads.")
        {
            nodes, rounds, bundleMb, downloaders, downloadRounds, workDir, stop, timeout, secure, drop, roundSeconds,
        };
        ScaleOutOptions.AddTo(command);
        SettingsErrors.SetAction(
            command,
            parse => ScaleOutOptions.Apply(parse, new FederationSettings
            {
                Nodes = parse.GetValue(nodes),
                Rounds = parse.GetValue(rounds),
                BundleMegabytes = parse.GetValue(bundleMb),
                Downloaders = parse.GetValue(downloaders),
                DownloadRounds = parse.GetValue(downloadRounds),
                WorkDirectory = parse.GetValue(workDir),
                Stop = parse.GetValue(stop),
                StepTimeout = TimeSpan.FromSeconds(parse.GetValue(timeout)),
                SecureAggregation = parse.GetValue(secure),
                DropAfterMasking = parse.GetValue(drop),
                SecureRoundSeconds = parse.GetValue(roundSeconds),
            }),
            async (settings, ct) =>
            {
                try
                {
                    var report = await new FederationBenchmark(settings, Console.Error).RunAsync(ct).ConfigureAwait(false);
                    report.Print(Console.Out);
                    return 0;
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    // Any failure breaks the run: say what, and report no figure.
                    await Console.Error.WriteLineAsync($"federation benchmark FAILED, no figures reported: {ex.Message}").ConfigureAwait(false);
                    await Console.Error.WriteLineAsync(ex.ToString()).ConfigureAwait(false);
                    return 1;
                }
            });
        return command;
    }
}
