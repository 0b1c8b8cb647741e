using System.CommandLine;
using Partages.Benchmarks.Engine;
using Partages.ModelKit.Generative;

namespace Partages.Benchmarks.Generation;

/// <summary>The settings of <c>generation</c>: the throughput side (prompts, tokens, rounds, model size, threads) and the memory side (report counts).</summary>
internal sealed record GenerationBenchmarkSettings(
    int Reports,
    int NewTokens,
    int Rounds,
    int ComputeLayers,
    int ComputeWidth,
    int Threads,
    IReadOnlyList<int> MemoryReports,
    string WorkDirectory) : IBenchmarkSettings
{
    /// <summary>The extra layers of the measured model; null when it is the kit's one-layer decoder alone.</summary>
    public ComputeSize? Compute => ComputeLayers > 0 ? new ComputeSize(ComputeLayers, ComputeWidth) : null;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Reports <= 0)
        {
            errors.Add($"--reports must be positive (was {Reports}).");
        }

        if (NewTokens <= 0)
        {
            errors.Add($"--new-tokens must be positive (was {NewTokens}).");
        }

        if (Rounds < 0)
        {
            errors.Add($"--rounds must be 0 (skip the throughput side) or more (was {Rounds}).");
        }

        if (ComputeLayers < 0)
        {
            errors.Add($"--compute-layers must be 0 (none) or more (was {ComputeLayers}).");
        }
        else if (Compute is { } compute)
        {
            errors.AddRange(compute.Validate().Select(e => "--compute-layers/--compute-width: " + e));
        }

        if (Threads < 0)
        {
            errors.Add($"--threads must be 0 (ONNX Runtime's default) or more (was {Threads}).");
        }

        errors.AddRange(MemoryReports.Where(n => n <= 0).Select(n => $"--memory-reports must list positive counts (was {n})."));
        return errors;
    }
}

/// <summary>
/// <c>generation</c>: (1) generated tokens per second of the node's generation loop (<see cref="Partages.NodeAgent.Engine.Generation.GuidedGenerator"/>,
/// its checks around ONNX Runtime GenAI's Generator) against GenAI's bare Generator loop on the same model and
/// prompts, without guidance (the never-stopping model, optionally with compute layers, <see cref="ComputeLayers"/>)
/// and under the contract's regex guidance (the kit's model), wall and CPU seconds per side, sides alternating
/// (<see cref="GenerationThroughput"/>); (2) the peak memory (VmHWM) of the node agent's local <c>evaluate</c> of a
/// <c>generative_extraction</c> spec in a child process per report count. Printed, never asserted.
/// </summary>
internal static class GenerationBenchmark
{
    public static Command Create()
    {
        var reports = new Option<int>("--reports") { Description = "Prompts (one fictional oncology report each).", DefaultValueFactory = _ => 50 };
        var newTokens = new Option<int>("--new-tokens") { Description = "Token budget per prompt (without guidance both loops write exactly this many).", DefaultValueFactory = _ => 64 };
        var rounds = new Option<int>("--rounds") { Description = "Rounds; each runs both loops once, alternating which goes first (0 skips the throughput side).", DefaultValueFactory = _ => 5 };
        var computeLayers = new Option<int>("--compute-layers") { Description = "Extra transformer layers adding per-token compute without changing the tokens (0: the kit's one-layer model).", DefaultValueFactory = _ => 0 };
        var computeWidth = new Option<int>("--compute-width") { Description = "Hidden width of the compute layers (feed-forward 4x).", DefaultValueFactory = _ => 256 };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads, the same for both loops (0: each runtime's default).", DefaultValueFactory = _ => 1 };
        var memoryReports = new Option<int[]>("--memory-reports")
        {
            Description = "Report counts for the peak-memory side: one local evaluate each in a child process (0 skips it).",
            DefaultValueFactory = _ => [200, 2000],
            AllowMultipleArgumentsPerToken = true,
        };
        var workDir = new Option<string>("--work-dir") { Description = "Where the model folders, bundle and datasets are written.", DefaultValueFactory = _ => Path.Combine("artifacts", "benchmarks", "generation") };
        var command = new Command("generation", "Generated tokens per second: the node's loop around ONNX Runtime GenAI's Generator against GenAI's bare loop; peak memory of a generative evaluation.")
        {
            reports, newTokens, rounds, computeLayers, computeWidth, threads, memoryReports, workDir, GenerationMemory.CreateProbe(),
        };
        SettingsErrors.SetAction(
            command,
            parse => new GenerationBenchmarkSettings(
                parse.GetValue(reports),
                parse.GetValue(newTokens),
                parse.GetValue(rounds),
                parse.GetValue(computeLayers),
                parse.GetValue(computeWidth),
                parse.GetValue(threads),
                parse.GetValue(memoryReports) is [0] ? [] : parse.GetValue(memoryReports) ?? [],
                Path.GetFullPath(parse.GetValue(workDir)!)),
            RunAsync);
        return command;
    }

    private static async Task<int> RunAsync(GenerationBenchmarkSettings settings, CancellationToken cancellationToken)
    {
        var console = Console.Out;
        Directory.CreateDirectory(settings.WorkDirectory);
        console.WriteLine(Describe.Machine());
        console.WriteLine($"load average at start: {LoadAverage()}");
        var figures = new GenerationFigures { LoadAverageAtStart = LoadAverage() };
        if (settings.Rounds > 0)
        {
            figures = figures with { Throughput = GenerationThroughput.Run(settings, console, cancellationToken) };
        }

        if (settings.MemoryReports.Count > 0)
        {
            figures = figures with { Memory = await GenerationMemory.RunAsync(settings, console, cancellationToken).ConfigureAwait(false) };
        }

        figures = figures with { LoadAverageAtEnd = LoadAverage() };
        console.WriteLine($"load average at end: {figures.LoadAverageAtEnd}");
        await FiguresFile.WriteAsync(Path.Combine(settings.WorkDirectory, "generation-benchmark.json"), figures, console, cancellationToken).ConfigureAwait(false);
        return 0;
    }

    /// <summary>The 1, 5 and 15-minute load averages (/proc/loadavg): the figures of a loaded machine are read with them.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}

/// <summary>What <c>generation</c> measured, written beside the console output.</summary>
internal sealed record GenerationFigures
{
    public string LoadAverageAtStart { get; init; } = "";

    public string LoadAverageAtEnd { get; init; } = "";

    public ThroughputFigures? Throughput { get; init; }

    public IReadOnlyList<GenerationProbeReport>? Memory { get; init; }
}
