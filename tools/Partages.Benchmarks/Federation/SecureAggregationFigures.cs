namespace Partages.Benchmarks.Federation;

/// <summary>What <c>--secure-aggregation</c> measured, printed as Markdown for docs/benchmarks.md.</summary>
internal sealed class SecureAggregationFigures(FederationSettings settings)
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>The warm-up pair: checked like the others, printed, left out of the medians.</summary>
    public SecurePair? WarmUp { get; set; }

    public List<SecurePair> Pairs { get; } = [];

    public void Print(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var n = settings.Nodes;
        output.WriteLine();
        output.WriteLine(string.Create(C, $"Secure aggregation: {n} nodes (threshold t = {Math.Max(2, (n / 2) + 1)}), {Pairs.Count} pair(s) after a warm-up pair; each pair evaluates the same counts per site and as a secure sum, order alternated. " +
            $"Coordinator SecureAggregation:RoundSeconds = {settings.SecureRoundSeconds}{(settings.DropAfterMasking ? "; in every secure sum one node goes silent once its masked vector is in" : "")}. " +
            $"Every secure sum checked equal to the nodes' summed vectors and to the per-site pooled counts."));
        output.WriteLine();
        output.WriteLine("| pair | first | per-site submit → final seen ms | secure submit → final seen ms | extra ms | per-site coordinator CPU s | secure coordinator CPU s | per-site nodes' CPU s | secure nodes' CPU s | per-site coordinator peak RSS MiB | secure coordinator peak RSS MiB | per-site wire per node sent / received | secure wire per node sent / received | secure-sum messages per node sent / received |");
        output.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var p in WarmUp is null ? Pairs : Pairs.Prepend(WarmUp))
        {
            var (ps, s) = (p.PerSite, p.Secure);
            output.WriteLine(string.Create(C, $"| {(p.Round == 0 ? "warm-up" : p.Round.ToString(C))} | {(p.SecureFirst ? "secure" : "per-site")} | {Ms(ps.SubmitToFinalSeen)} | {Ms(s.SubmitToFinalSeen)} | {Ms(s.SubmitToFinalSeen - ps.SubmitToFinalSeen)} | " +
                $"{ps.Usage.CoordinatorCpuSeconds:0.00} | {s.Usage.CoordinatorCpuSeconds:0.00} | {ps.Usage.BenchmarkCpuSeconds:0.00} | {s.Usage.BenchmarkCpuSeconds:0.00} | " +
                $"{Mib(ps.Usage.CoordinatorPeakRssBytes)} | {Mib(s.Usage.CoordinatorPeakRssBytes)} | {Bytes(ps.NodeWire)} | {Bytes(s.NodeWire)} | {Bytes(s.NodeMessages)} |"));
        }

        output.WriteLine(string.Create(C, $"| **median** | | {Median(p => p.PerSite.SubmitToFinalSeen.TotalMilliseconds):0} | {Median(p => p.Secure.SubmitToFinalSeen.TotalMilliseconds):0} | " +
            $"**{Median(p => (p.Secure.SubmitToFinalSeen - p.PerSite.SubmitToFinalSeen).TotalMilliseconds):0}** | {Median(p => p.PerSite.Usage.CoordinatorCpuSeconds):0.00} | {Median(p => p.Secure.Usage.CoordinatorCpuSeconds):0.00} | " +
            $"{Median(p => p.PerSite.Usage.BenchmarkCpuSeconds):0.00} | {Median(p => p.Secure.Usage.BenchmarkCpuSeconds):0.00} | " +
            $"{Mib(Pairs.Max(p => p.PerSite.Usage.CoordinatorPeakRssBytes))} (max) | {Mib(Pairs.Max(p => p.Secure.Usage.CoordinatorPeakRssBytes))} (max) | | | |"));
        output.WriteLine(string.Create(C, $"| **extra per evaluation** (median of the pairs' differences) | | | | **{Median(p => (p.Secure.SubmitToFinalSeen - p.PerSite.SubmitToFinalSeen).TotalMilliseconds):0} ms** | " +
            $"**{Median(p => p.Secure.Usage.CoordinatorCpuSeconds - p.PerSite.Usage.CoordinatorCpuSeconds):+0.00;-0.00} s** | | **{Median(p => p.Secure.Usage.BenchmarkCpuSeconds - p.PerSite.Usage.BenchmarkCpuSeconds):+0.00;-0.00} s** (all {n} nodes) | | | | " +
            $"**{Kib(Median(p => MedianOf(p.Secure.NodeWire, b => b.Sent) - MedianOf(p.PerSite.NodeWire, b => b.Sent)))} / {Kib(Median(p => MedianOf(p.Secure.NodeWire, b => b.Received) - MedianOf(p.PerSite.NodeWire, b => b.Received)))}** | | |"));

        output.WriteLine();
        output.WriteLine("Secure sums, stage by stage: when the last node had its reply, ms after the first Join was sent (median over the measured pairs); then the evaluation seen final.");
        output.WriteLine();
        output.WriteLine("| submit → all offers | accept → all running | " + string.Join(" | ", SimulatedSecureSum.Stages) + " | first Join → final seen |");
        output.WriteLine("|" + string.Concat(Enumerable.Repeat("---|", SimulatedSecureSum.Stages.Length + 3)));
        var stages = SimulatedSecureSum.Stages.Select((_, k) => Median(p => p.Secure.StageLastReply[k].TotalMilliseconds).ToString("0", C));
        output.WriteLine(string.Create(C, $"| {Median(p => p.Secure.SubmitToAllOffers.TotalMilliseconds):0} | {Median(p => p.Secure.AcceptToAllRunning.TotalMilliseconds):0} | {string.Join(" | ", stages)} | {Median(p => p.Secure.SumToFinalSeen.TotalMilliseconds):0} |"));
    }

    private double Median(Func<SecurePair, double> figure) => MedianOf(Pairs, figure);

    private static double MedianOf<T>(IEnumerable<T> items, Func<T, double> figure)
    {
        var sorted = items.Select(figure).Order().ToList();
        return sorted.Count == 0 ? double.NaN
            : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>Median over the nodes, sent / received, in KiB (the dropped node counts like the others).</summary>
    private static string Bytes(IReadOnlyList<ByteCount> perNode) =>
        $"{Kib(MedianOf(perNode, b => b.Sent))} / {Kib(MedianOf(perNode, b => b.Received))}";

    private static string Kib(double bytes) => (bytes / 1024).ToString("0.0", C) + " KiB";

    private static string Ms(TimeSpan span) => span.TotalMilliseconds.ToString("0", C);

    private static long Mib(long bytes) => bytes / (1024 * 1024);
}
