using System.Diagnostics;
using System.Globalization;
using Partages.SecureAggregation.Protocol;
using Partages.SecureAggregation.Tests.Protocol;

namespace Partages.SecureAggregation.Tests.Benchmarks;

/// <summary>
/// Time and bytes per node for one secure sum of a 1,000-count vector at n = 3, 50 and 200 (all nodes in this process,
/// one thread, no network), t = ⌊n/2⌋ + 1, one node dropping after sharing so the masking-key recovery path runs.
/// Sizes alternate within each repetition and medians are reported, with process CPU seconds beside wall seconds.
/// Explicit: it is a measurement, not a check; run it alone (docs/benchmarks.md).
/// </summary>
[Explicit("Measurement: run alone, see docs/benchmarks.md")]
public sealed class SecureAggregationBenchmark
{
    private const int VectorLength = 1000;

    [Test]
    public void Measure_CohortsOf3And50And200_ReportsTimeAndBytesPerNode()
    {
        var sizes = new[] { 3, 50, 200 };
        var repetitions = int.Parse(Environment.GetEnvironmentVariable("SECAGG_BENCH_REPETITIONS") ?? "3", CultureInfo.InvariantCulture);
        var runs = sizes.ToDictionary(n => n, _ => new List<Measurement>());
        for (var r = 0; r < repetitions; r++)
        {
            foreach (var n in r % 2 == 0 ? sizes : sizes.Reverse())
            {
                runs[n].Add(Measure(n, new Random((r * 1000) + n)));
            }
        }
        foreach (var n in sizes)
        {
            var m = runs[n];
            TestContext.Out.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"n={n,3} t={(n / 2) + 1,3} runs={m.Count} | per node: wall {Median(m, x => x.NodeWallSeconds) * 1000:F1} ms, CPU {Median(m, x => x.NodeCpuSeconds) * 1000:F1} ms, " +
                $"sent {Median(m, x => x.SentBytesPerNode) / 1024:F1} KiB, received {Median(m, x => x.ReceivedBytesPerNode) / 1024:F1} KiB | " +
                $"coordinator wall {Median(m, x => x.ServerWallSeconds):F2} s, CPU {Median(m, x => x.ServerCpuSeconds):F2} s | whole run wall {Median(m, x => x.TotalWallSeconds):F2} s, CPU {Median(m, x => x.TotalCpuSeconds):F2} s"));
            m.Should().OnlyContain(x => x.Correct, "a benchmark of a wrong sum measures nothing");
        }
    }

    private static Measurement Measure(int n, Random random)
    {
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var total = Stopwatch.StartNew();
        using var cohort = CohortHarness.Create(n, (n / 2) + 1, VectorLength, random);
        var nodeTime = new Meter();
        var serverTime = new Meter();
        long sent = 0, received = 0;
        var ids = cohort.Ids;
        var dropped = ids[^1];

        var advertisements = ids.Select(id => nodeTime.Run(() => cohort.Clients[id].AdvertiseKeys())).ToList();
        sent += advertisements.Sum(WireSize.Of);
        var roster = serverTime.Run(() => { advertisements.ForEach(cohort.Server.Accept); return cohort.Server.CloseAdvertising(); });
        received += WireSize.Of(roster) * n;

        var bundles = ids.Select(id => nodeTime.Run(() => cohort.Clients[id].ShareKeys(roster))).ToList();
        sent += bundles.Sum(WireSize.Of);
        var deliveries = serverTime.Run(() => { bundles.ForEach(cohort.Server.Accept); return cohort.Server.CloseSharing(); });
        received += deliveries.Values.Sum(WireSize.Of);

        var alive = ids.Where(id => id != dropped).ToList();
        var inputs = alive.Select(id => nodeTime.Run(() => cohort.Clients[id].MaskInput(deliveries[id], cohort.Inputs[id]))).ToList();
        sent += inputs.Sum(WireSize.Of);
        var survivors = serverTime.Run(() => { inputs.ForEach(cohort.Server.Accept); return cohort.Server.CloseMasking(); });
        received += WireSize.Of(survivors) * alive.Count;

        var signatures = alive.Select(id => nodeTime.Run(() => cohort.Clients[id].CheckConsistency(survivors))).ToList();
        sent += signatures.Sum(WireSize.Of);
        var request = serverTime.Run(() => { signatures.ForEach(cohort.Server.Accept); return cohort.Server.CloseConsistencyCheck(); });
        received += WireSize.Of(request) * alive.Count;

        var responses = alive.Select(id => nodeTime.Run(() => cohort.Clients[id].Unmask(request))).ToList();
        sent += responses.Sum(WireSize.Of);
        var result = serverTime.Run(() => { responses.ForEach(cohort.Server.Accept); return cohort.Server.Finish(); });

        total.Stop();
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
        var correct = result.Sum.SequenceEqual(cohort.PlainSum(alive));
        cohort.DisposeIdentities();
        return new Measurement(
            nodeTime.Wall.TotalSeconds / n, nodeTime.Cpu.TotalSeconds / n, (double)sent / n, (double)received / n,
            serverTime.Wall.TotalSeconds, serverTime.Cpu.TotalSeconds, total.Elapsed.TotalSeconds, cpu, correct);
    }

    /// <summary>Wall and process CPU time of the calls it runs (the calls run on this one thread).</summary>
    private sealed class Meter
    {
        private readonly Stopwatch _wall = new();

        public TimeSpan Wall => _wall.Elapsed;

        public TimeSpan Cpu { get; private set; }

        public T Run<T>(Func<T> action)
        {
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            _wall.Start();
            try
            {
                return action();
            }
            finally
            {
                _wall.Stop();
                Cpu += Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
            }
        }
    }

    private static double Median(List<Measurement> runs, Func<Measurement, double> selector)
    {
        var values = runs.Select(selector).Order().ToArray();
        return values.Length % 2 == 1 ? values[values.Length / 2] : (values[(values.Length / 2) - 1] + values[values.Length / 2]) / 2;
    }

    private sealed record Measurement(
        double NodeWallSeconds, double NodeCpuSeconds, double SentBytesPerNode, double ReceivedBytesPerNode,
        double ServerWallSeconds, double ServerCpuSeconds, double TotalWallSeconds, double TotalCpuSeconds, bool Correct);
}
