namespace Partages.Benchmarks.Federation;

// The scale-out part of the report (ScaleOut): replicas, PostgreSQL, the failover and the round after it.
internal sealed partial class FederationReport
{
    public FailoverFigures? Failover { get; set; }

    /// <summary>The round checked after the failover, every node on a surviving replica.</summary>
    public RoundFigures? AfterFailover { get; set; }

    /// <summary>Every replica still running at the end: CPU seconds and peak RSS since it started.</summary>
    public IReadOnlyList<(int Pid, ProcessReading Reading)> ReplicaTotals { get; set; } = [];

    private void PrintScaleOut(TextWriter output)
    {
        var c = CultureInfo.InvariantCulture;
        if (Settings.Replicas == 1 && !Settings.Postgres)
        {
            return;
        }

        output.WriteLine();
        output.WriteLine(string.Create(c, $"Scale-out: {Settings.Replicas} replica(s) on {(Settings.Postgres ? "PostgreSQL 15" : "SQLite")}, node i on replica i mod {Settings.Replicas}; the evaluator and the watcher on replica 0."));
        if (Failover is { } f)
        {
            output.WriteLine(string.Create(c, $"Failover: SIGKILL to replica {f.Replicas - 1} holding {f.MovedNodes} sessions: every stream broken after {f.KillToAllBroken.TotalMilliseconds:0} ms, " +
                $"**all {f.MovedNodes} nodes welcomed by the surviving replicas {f.KillToAllReconnected.TotalSeconds:0.00} s after the kill** (at most 64 handshakes at once, no back-off); " +
                $"replica 0 then listed {f.ListedOnline} of {Settings.Nodes} nodes online ({f.KillToListedOnline.TotalSeconds:0.00} s after the kill); coordinator (replica 0) CPU {f.Usage.CoordinatorCpuSeconds:0.00} s."));
        }

        if (AfterFailover is { } r)
        {
            output.WriteLine(string.Create(c, $"Round after the failover (checked: every site once): submit → all offers {Ms(r.SubmitToAllOffers)} ms, {Settings.Nodes - 1} results → last ack {Ms(r.BurstToLastAck)} ms, " +
                $"last result → ack {Ms(r.LastResultToAck)} ms, **last result → final seen {Ms(r.LastResultToFinalSeen)} ms**, replica 0 CPU {r.Usage.CoordinatorCpuSeconds:0.00} s."));
        }

        foreach (var (pid, reading) in ReplicaTotals)
        {
            output.WriteLine(string.Create(c, $"Replica pid {pid}: {reading.CpuSeconds:0.0} CPU s since start, RSS {Mib(reading.RssBytes)} MiB, peak {Mib(reading.PeakRssBytes)} MiB (since its last reset)."));
        }
    }
}
