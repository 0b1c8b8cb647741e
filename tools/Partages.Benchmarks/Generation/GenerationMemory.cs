using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Partages.ModelKit.Generative;
using Partages.NodeAgent.Cli;

namespace Partages.Benchmarks.Generation;

/// <summary>What one child process measured: the node agent's local evaluate of a generative spec, and its memory high-water marks.</summary>
/// <remarks>
/// <see cref="PeakManagedHeapKib"/> is the largest managed heap (live objects and garbage not yet collected,
/// <c>GC.GetTotalMemory(false)</c>) of the 100 ms samples: the part of the peak the .NET heap holds, the rest being
/// ONNX Runtime's, the native libraries' and the runtime's own.
/// </remarks>
internal sealed record GenerationProbeReport(
    int Reports,
    long Documents,
    long ValidOutputs,
    double WallSeconds,
    double CpuSeconds,
    long StartupHwmKib,
    long PeakHwmKib,
    long PeakManagedHeapKib,
    int Gen0Collections,
    int Gen2Collections);

/// <summary>
/// Peak memory of a <c>generative_extraction</c> evaluation: this executable re-invoked per report count with the hidden
/// <c>generation probe</c> command, which runs the node agent's own command line (<c>evaluate --model … --spec …
/// --dataset …</c>, local mode, in process) on the kit's generative bundle and reads VmHWM before and after.
/// </summary>
internal static class GenerationMemory
{
    private const string ProbeName = "probe";

    private const string Spec = """
        version: 1
        name: generation-memory
        task: generative_extraction
        dataset: oncology-extraction
        labels: [EGFR, KRAS, ALK]
        metrics: [confusion_matrix, accuracy]
        """;

    public static async Task<IReadOnlyList<GenerationProbeReport>> RunAsync(GenerationBenchmarkSettings settings, TextWriter console, CancellationToken cancellationToken)
    {
        var directory = Path.Combine(settings.WorkDirectory, "memory");
        var built = GenerativeBundleBuilder.Build(directory);
        var specPath = Path.Combine(directory, "generation-memory.yaml");
        await File.WriteAllTextAsync(specPath, Spec + "\n", cancellationToken).ConfigureAwait(false);
        console.WriteLine();
        console.WriteLine("peak memory, node agent's local evaluate in a child process each (VmHWM):");
        var reports = new List<GenerationProbeReport>();
        foreach (var count in settings.MemoryReports)
        {
            var dataset = GenerativeBundleBuilder.WriteDataset(
                Path.Combine(directory, "data", $"valmont-{count}.jsonl"), SyntheticHospitals.ChuValmont, count, GenerativeBundleBuilder.DefaultFields);
            var report = await MemoryProbe.RunChildAsync<GenerationProbeReport>(
                ["generation", ProbeName, "--bundle", built.BundlePath, "--spec", specPath, "--dataset", dataset, "--reports", count.ToString(CultureInfo.InvariantCulture)],
                cancellationToken).ConfigureAwait(false);
            reports.Add(report);
            console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {report.Reports} reports: {report.Documents} evaluated ({report.ValidOutputs} valid outputs) in {report.WallSeconds:F1} s wall, {report.CpuSeconds:F1} s CPU; VmHWM at start {report.StartupHwmKib / 1024.0:F0} MiB, peak {report.PeakHwmKib / 1024.0:F0} MiB; managed heap at most {report.PeakManagedHeapKib / 1024.0:F0} MiB ({report.Gen0Collections} gen0, {report.Gen2Collections} gen2 collections)"));
        }

        if (reports.Count > 1)
        {
            var growth = ((double)reports[^1].PeakHwmKib / reports[0].PeakHwmKib) - 1;
            console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  peak at {reports[^1].Reports} vs {reports[0].Reports} reports: {growth:+0.0%;-0.0%}   target: flat"));
        }

        return reports;
    }

    /// <summary>Hidden: the child side, one evaluate through the node agent's command line.</summary>
    public static Command CreateProbe()
    {
        var bundle = new Option<string>("--bundle") { Required = true };
        var spec = new Option<string>("--spec") { Required = true };
        var dataset = new Option<string>("--dataset") { Required = true };
        var reports = new Option<int>("--reports") { Required = true };
        var probe = new Command(ProbeName, "Runs the node agent's local evaluate once and prints its peak memory (used by 'generation').") { bundle, spec, dataset, reports };
        probe.Hidden = true;
        probe.SetAction((parse, cancellationToken) =>
            RunChildAsync(parse.GetValue(bundle)!, parse.GetValue(spec)!, parse.GetValue(dataset)!, parse.GetValue(reports), cancellationToken));
        return probe;
    }

    private static async Task<int> RunChildAsync(string bundle, string spec, string dataset, int reports, CancellationToken cancellationToken)
    {
        var startup = MemoryProbe.ReadStatusKib("VmHWM");
        using var output = new StringWriter();
        using var error = new StringWriter();
        long heapPeak = 0;
        var gate = new Lock();
        void Sample(object? _)
        {
            var heap = GC.GetTotalMemory(forceFullCollection: false);
            lock (gate)
            {
                heapPeak = Math.Max(heapPeak, heap);
            }
        }

        var clock = ProcessClock.Start();
        int exit;
        using (new Timer(Sample, null, TimeSpan.Zero, TimeSpan.FromMilliseconds(100)))
        {
            exit = await NodeAgentCli.InvokeAsync(["evaluate", "--model", bundle, "--spec", spec, "--dataset", dataset], output, error).ConfigureAwait(false);
        }

        var (wall, cpu) = clock.Elapsed();
        var peak = MemoryProbe.ReadStatusKib("VmHWM");
        Sample(null);
        if (exit != 0)
        {
            await Console.Error.WriteLineAsync($"evaluate exited with {exit}: {error}").ConfigureAwait(false);
            return exit;
        }

        var results = JsonNode.Parse(output.ToString())!;
        var documents = results["n_documents"]!.GetValue<long>();
        var valid = results["generative"]!["outputs"]!["valid"]!.GetValue<long>();
        var report = new GenerationProbeReport(reports, documents, valid, wall, cpu, startup, peak, heapPeak / 1024, GC.CollectionCount(0), GC.CollectionCount(2));
        cancellationToken.ThrowIfCancellationRequested();
        await Console.Out.WriteLineAsync(JsonSerializer.Serialize(report)).ConfigureAwait(false);
        return 0;
    }
}
