using Partages.Benchmarks.Engine.Model;
using Partages.ModelKit.Training;

namespace Partages.Benchmarks.Engine;

/// <summary>
/// Issue 15, item 2 (docs/benchmarks-length-batching.md, "ONNX Runtime session options"): the engine end to end, one
/// child process per run so each run's peak resident set is its own, once per <see cref="SessionVariants"/> entry in
/// every round, the order rotating by round so drift in the machine's load spreads over all of them. Each setting is
/// compared with the default run of the same round (paired ratios), then by medians.
/// </summary>
internal static class SessionOptionsBenchmark
{
    public static async Task RunAsync(EngineBenchmarkSettings settings, TextWriter output, CancellationToken cancellationToken)
    {
        var invariant = CultureInfo.InvariantCulture;
        Directory.CreateDirectory(settings.WorkDirectory);
        output.WriteLine(Describe.Machine());
        output.WriteLine($"load average at start: {MixedLengthBenchmark.LoadAverage()}");
        var model = await BenchmarkBundle.EnsureBuiltAsync(settings.WorkDirectory, settings.CarrierPath, settings.TrainingReports, settings.Seed, output, cancellationToken).ConfigureAwait(false);
        var corpusPath = settings.Corpus == EngineBenchmarkSettings.MixedCorpus
            ? await MixedLengthBenchmark.EnsureCorpusAsync(settings.WorkDirectory, settings.Reports, settings.Seed, cancellationToken).ConfigureAwait(false)
            : await EngineBenchmark.EnsureCorpusAsync(settings.WorkDirectory, settings.Reports, settings.Seed, cancellationToken).ConfigureAwait(false);
        output.WriteLine($"corpus: {corpusPath}");
        var names = SessionVariants.All.Keys.ToArray();
        var runs = names.ToDictionary(n => n, _ => new List<ProbeReport>(), StringComparer.Ordinal);
        output.WriteLine();
        output.WriteLine("round  setting                 docs/s  wall s  cpu s  cpu ms/report  peak MiB  accuracy");
        for (var round = 1; round <= Math.Max(1, settings.Rounds); round++)
        {
            for (var k = 0; k < names.Length; k++)
            {
                var name = names[(k + round - 1) % names.Length];
                var run = await MemoryProbe.RunAsync(model.BundlePath, corpusPath, settings.Threads, cancellationToken, name).ConfigureAwait(false);
                runs[name].Add(run);
                output.WriteLine(string.Create(invariant,
                    $"{round,5}  {name,-22} {run.Documents / run.WallSeconds,7:0.0}  {run.WallSeconds,6:0.0}  {run.CpuSeconds,5:0.0}  {1000 * run.CpuSeconds / run.Documents,13:0.0}  {run.PeakHwmKib / 1024.0,8:0.0}  {run.Accuracy:P1}"));
            }
        }

        output.WriteLine();
        output.WriteLine($"medians over {runs[SessionVariants.Default].Count} rounds; ratios are setting / default of the same round (median); load average now {MixedLengthBenchmark.LoadAverage()}:");
        output.WriteLine("setting                 docs/s  cpu ms/report  peak MiB   docs/s ratio  cpu ratio");
        var baseline = runs[SessionVariants.Default];
        var summary = new List<object>();
        foreach (var name in names)
        {
            var list = runs[name];
            var docsPerSecond = Statistics.Median(list.Select(r => r.Documents / r.WallSeconds));
            var cpuMs = Statistics.Median(list.Select(r => 1000 * r.CpuSeconds / r.Documents));
            var peak = Statistics.Median(list.Select(r => r.PeakHwmKib / 1024.0));
            var speed = Statistics.Median(list.Zip(baseline, (r, b) => (r.Documents / r.WallSeconds) / (b.Documents / b.WallSeconds)));
            var cpu = Statistics.Median(list.Zip(baseline, (r, b) => r.CpuSeconds / b.CpuSeconds));
            output.WriteLine(string.Create(invariant, $"{name,-22} {docsPerSecond,7:0.0}  {cpuMs,13:0.0}  {peak,8:0.0}  {speed,13:0.000}  {cpu,9:0.000}"));
            summary.Add(new { Setting = name, DocumentsPerSecond = docsPerSecond, CpuMsPerReport = cpuMs, PeakMiB = peak, SpeedOverDefault = speed, CpuOverDefault = cpu, Runs = list });
        }

        var resultsPath = Path.Combine(settings.WorkDirectory, "engine-session-options.json");
        await FiguresFile.WriteAsync(resultsPath, new { settings.Corpus, settings.Reports, settings.Threads, Settings = summary }, output, cancellationToken).ConfigureAwait(false);
    }
}
