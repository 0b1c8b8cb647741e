using System.Runtime.InteropServices;

namespace Partages.Benchmarks.Federation;

/// <summary>Everything one checked run measured; printed as Markdown so it can go into docs/benchmarks.md as is.</summary>
internal sealed partial class FederationReport
{
    public required FederationSettings Settings { get; init; }

    public int CoordinatorPid { get; init; }

    public required SetupFigures Setup { get; init; }

    /// <summary>The warm-up round: checked like the others, printed, left out of the medians.</summary>
    public RoundFigures? WarmUp { get; set; }

    public List<RoundFigures> Rounds { get; } = [];

    public ArtifactFigures? Artifacts { get; set; }

    /// <summary>Per-site and secure-sum evaluations alternated (<c>--secure-aggregation</c>).</summary>
    public SecureAggregationFigures? SecureAggregation { get; set; }

    public StopFigures? Stop { get; set; }

    public ProcessReading CoordinatorTotal { get; set; }

    public TimeSpan TotalWall { get; set; }

    public void Print(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c, $"Machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, {Gib(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes)} GiB."));
        output.WriteLine(string.Create(c, $"Coordinator: one process (pid {CoordinatorPid}), default settings (heartbeat 15 s, lease 60 s), fresh data dir."));
        output.WriteLine();
        output.WriteLine(string.Create(c, $"Setup with {Settings.Nodes} simulated nodes: enrollment tokens (admin operation, in-process) {Setup.EnrollmentTokens.TotalSeconds:0.0} s, " +
            $"enrollments (CSR + token) {Setup.Enrollments.TotalSeconds:0.0} s, sessions opened and welcomed {Setup.Sessions.TotalSeconds:0.00} s; " +
            $"coordinator CPU {Setup.Usage.CoordinatorCpuSeconds:0.0} s, RSS {Mib(Setup.Usage.CoordinatorPeakRssBytes)} MiB."));

        if (Rounds.Count > 0)
        {
            output.WriteLine();
            output.WriteLine(string.Create(c, $"Scheduling rounds: {Settings.Nodes} nodes, {Rounds.Count} round(s) after a warm-up round; times in ms; median and max over the rounds, not the warm-up."));
            output.WriteLine();
            output.WriteLine(string.Create(c, $"| round | submit call | submit → first offer | submit → all offers | accept → all running | {Settings.Nodes - 1} results → last ack | last result → ack (stored, pooled, final) | last result → final seen | coordinator CPU ms, last result → final seen | snapshots | coordinator CPU s | benchmark CPU s | coordinator peak RSS MiB | wall s |"));
            output.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
            foreach (var r in WarmUp is null ? Rounds : Rounds.Prepend(WarmUp))
            {
                output.WriteLine(string.Create(c, $"| {(r.Round == 0 ? "warm-up" : r.Round.ToString(c))} | {Ms(r.SubmitCall)} | {Ms(r.SubmitToFirstOffer)} | {Ms(r.SubmitToAllOffers)} | {Ms(r.AcceptToAllRunning)} | {Ms(r.BurstToLastAck)} | " +
                    $"{Ms(r.LastResultToAck)} | {Ms(r.LastResultToFinalSeen)} | {r.LastResultToFinalCpuSeconds * 1000:0} | {r.Snapshots} | {r.Usage.CoordinatorCpuSeconds:0.00} | {r.Usage.BenchmarkCpuSeconds:0.00} | {Mib(r.Usage.CoordinatorPeakRssBytes)} | {r.Usage.Wall.TotalSeconds:0.00} |"));
            }

            output.WriteLine(string.Create(c, $"| **median** | {Median(r => r.SubmitCall)} | {Median(r => r.SubmitToFirstOffer)} | **{Median(r => r.SubmitToAllOffers)}** | {Median(r => r.AcceptToAllRunning)} | " +
                $"{Median(r => r.BurstToLastAck)} | **{Median(r => r.LastResultToAck)}** | **{Median(r => r.LastResultToFinalSeen)}** | {MedianOf(r => r.LastResultToFinalCpuSeconds) * 1000:0} | | {MedianOf(r => r.Usage.CoordinatorCpuSeconds):0.00} | {MedianOf(r => r.Usage.BenchmarkCpuSeconds):0.00} | | |"));
            output.WriteLine(string.Create(c, $"| **max** | {Max(r => r.SubmitCall)} | {Max(r => r.SubmitToFirstOffer)} | **{Max(r => r.SubmitToAllOffers)}** | {Max(r => r.AcceptToAllRunning)} | " +
                $"{Max(r => r.BurstToLastAck)} | **{Max(r => r.LastResultToAck)}** | **{Max(r => r.LastResultToFinalSeen)}** | {Rounds.Max(r => r.LastResultToFinalCpuSeconds) * 1000:0} | | {Rounds.Max(r => r.Usage.CoordinatorCpuSeconds):0.00} | {Rounds.Max(r => r.Usage.BenchmarkCpuSeconds):0.00} | {Mib(Rounds.Max(r => r.Usage.CoordinatorPeakRssBytes))} | |"));
            var all = WarmUp is null ? Rounds : [WarmUp, .. Rounds];
            if (all.All(r => r.LastResultToFinalSeenWideWindow is not null))
            {
                output.WriteLine();
                var pairs = string.Join(", ", all.Select(r => string.Create(c, $"{(r.Round == 0 ? "warm-up" : r.Round.ToString(c))} {Ms(r.LastResultToFinalSeenWideWindow!.Value)} ms against {Ms(r.LastResultToFinalSeen)} ms")));
                output.WriteLine(string.Create(c, $"Last result → final seen by a second watcher with a {FederationBenchmark.WideWindowBytes / (1024 * 1024)} MiB HTTP/2 receive window (the first: .NET's default), same rounds: {pairs}."));
            }
        }

        SecureAggregation?.Print(output);

        if (Artifacts is { } a)
        {
            output.WriteLine();
            output.WriteLine(string.Create(c, $"Artifact: {Mib(a.SizeBytes)} MiB of random bytes, uploaded in {a.Upload.Wall.TotalSeconds:0.00} s " +
                $"({Mib(a.SizeBytes) / a.Upload.Wall.TotalSeconds:0} MiB/s; coordinator CPU {a.Upload.CoordinatorCpuSeconds:0.00} s, peak RSS {Mib(a.Upload.CoordinatorPeakRssBytes)} MiB), " +
                $"then downloaded by {a.Downloaders} nodes at once (DownloadArtifact, 1 MiB chunks, every chunk and the whole SHA-256 verified)."));
            output.WriteLine();
            output.WriteLine("| download round | all done s | aggregate MiB/s | slowest node s | fastest node s | coordinator CPU s | coordinator RSS before MiB | coordinator peak RSS MiB | benchmark CPU s |");
            output.WriteLine("|---|---|---|---|---|---|---|---|---|");
            foreach (var d in a.Rounds)
            {
                var wall = d.Usage.Wall.TotalSeconds;
                output.WriteLine(string.Create(c, $"| {d.Round} | {wall:0.00} | {Mib(a.SizeBytes) * a.Downloaders / wall:0} | {d.Downloads.Max(x => x.Elapsed).TotalSeconds:0.00} | " +
                    $"{d.Downloads.Min(x => x.Elapsed).TotalSeconds:0.00} | {d.Usage.CoordinatorCpuSeconds:0.00} | {Mib(d.Usage.CoordinatorRssBeforeBytes)} | {Mib(d.Usage.CoordinatorPeakRssBytes)} | {d.Usage.BenchmarkCpuSeconds:0.00} |"));
            }

            var medianWall = MedianValue(a.Rounds.Select(d => d.Usage.Wall.TotalSeconds));
            output.WriteLine(string.Create(c, $"| **median** | **{medianWall:0.00}** | **{Mib(a.SizeBytes) * a.Downloaders / medianWall:0}** | | | | | **{Mib(a.Rounds.Max(d => d.Usage.CoordinatorPeakRssBytes))}** (max) | |"));
        }

        if (Stop is { } stop)
        {
            output.WriteLine();
            output.WriteLine(string.Create(c, $"Stop: SIGTERM to the coordinator with {stop.Sessions} node sessions and 1 WatchEvaluation stream open: exit code {stop.ExitCode} " +
                $"after **{stop.Exit.TotalMilliseconds:0} ms**; {stop.SessionsEndedStopping} of {stop.Sessions} sessions ended with UNAVAILABLE (the coordinator is stopping); " +
                $"the watch stream {(stop.WatchEndedCleanly ? "ended cleanly" : "broke")}."));
            foreach (var other in stop.OtherEndings)
            {
                output.WriteLine($"Other session endings: {other}");
            }
        }

        PrintScaleOut(output);
        output.WriteLine();
        output.WriteLine(string.Create(c, $"Whole run: {TotalWall.TotalSeconds:0} s wall; coordinator {CoordinatorTotal.CpuSeconds:0.0} CPU s, peak RSS {Mib(CoordinatorTotal.PeakRssBytes)} MiB since the last phase began."));
    }

    private string Median(Func<RoundFigures, TimeSpan> figure) => MedianValue(Rounds.Select(r => figure(r).TotalMilliseconds)).ToString("0", CultureInfo.InvariantCulture);

    private string Max(Func<RoundFigures, TimeSpan> figure) => Rounds.Max(r => figure(r).TotalMilliseconds).ToString("0", CultureInfo.InvariantCulture);

    private double MedianOf(Func<RoundFigures, double> figure) => MedianValue(Rounds.Select(figure));

    private static double MedianValue(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Ms(TimeSpan span) => span.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture);

    private static long Mib(long bytes) => bytes / (1024 * 1024);

    private static string Gib(long bytes) => (bytes / (1024.0 * 1024 * 1024)).ToString("0", CultureInfo.InvariantCulture);
}
