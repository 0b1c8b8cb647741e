using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using Partages.NodeAgent.Engine;

namespace Partages.Benchmarks.Engine.Measurement;

/// <summary>What one child process measured: the engine over one corpus, and its resident-memory high-water marks.</summary>
internal sealed record ProbeReport(long Documents, double WallSeconds, double CpuSeconds, double Accuracy, long StartupHwmKib, long PeakHwmKib);

/// <summary>
/// Peak memory of the engine, measured where nothing else has touched the heap: this executable re-invoked with the
/// hidden <c>engine probe</c> command, which runs <see cref="EngineSide"/> once and reports VmHWM (the kernel's peak
/// resident set size, /proc/self/status) before and after.
/// </summary>
internal static class MemoryProbe
{
    public const string CommandName = "probe";

    /// <summary>An empty corpus has no accuracy (NaN), which plain JSON cannot carry: the set-up-only run prints it as "NaN".</summary>
    internal static readonly JsonSerializerOptions ReportJson = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>The child's side: runs the engine, prints one JSON line.</summary>
    public static async Task<int> RunChildAsync(string bundlePath, string corpusPath, int intraOpThreads, string sessionVariant, CancellationToken cancellationToken)
    {
        var startup = ReadStatusKib("VmHWM");
        var (figures, _) = await EngineSide.RunAsync(bundlePath, corpusPath, intraOpThreads, cancellationToken, new MemorySamples(Console.Error), sessionVariant).ConfigureAwait(false);
        var report = new ProbeReport(figures.Documents, figures.WallSeconds, figures.CpuSeconds, figures.Accuracy, startup, ReadStatusKib("VmHWM"));
        await Console.Out.WriteLineAsync(JsonSerializer.Serialize(report, ReportJson)).ConfigureAwait(false);
        return 0;
    }

    /// <summary>The parent's side: starts the child and waits for its report.</summary>
    /// <param name="sessionVariant">One of <see cref="SessionVariants.All"/>.</param>
    public static Task<ProbeReport> RunAsync(
        string bundlePath, string corpusPath, int intraOpThreads, CancellationToken cancellationToken, string sessionVariant = SessionVariants.Default) =>
        RunChildAsync<ProbeReport>(
            ["engine", CommandName, "--bundle", bundlePath, "--dataset", corpusPath, "--threads", intraOpThreads.ToString(CultureInfo.InvariantCulture), "--session-variant", sessionVariant],
            cancellationToken);

    /// <summary>
    /// Runs this executable again with <paramref name="arguments"/> (a hidden probe command) and reads the JSON report it
    /// prints last on stdout: a fresh process, whose VmHWM nothing else has raised.
    /// </summary>
    public static async Task<TReport> RunChildAsync<TReport>(IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath ?? throw new InvalidOperationException("this process has no executable path"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // Under `dotnet Partages.Benchmarks.dll` the process is the host, which needs the assembly again.
        if (Path.GetFileNameWithoutExtension(start.FileName) == "dotnet")
        {
            start.ArgumentList.Add(typeof(MemoryProbe).Assembly.Location);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var child = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start");
        var output = child.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = child.StandardError.ReadToEndAsync(cancellationToken);
        await child.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        var lines = (await output.ConfigureAwait(false)).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (child.ExitCode != 0 || lines.Length == 0)
        {
            throw new InvalidOperationException($"the memory probe exited with {child.ExitCode}: {await errors.ConfigureAwait(false)}");
        }

        return JsonSerializer.Deserialize<TReport>(lines[^1], ReportJson) ?? throw new InvalidDataException("the memory probe printed no report");
    }

    /// <summary>
    /// VmHWM and VmRSS every <see cref="Every"/> documents, one JSON line each on stderr: how the peak moves during the run,
    /// and what a run that does not finish reached. Synchronous, as the worker's own progress is.
    /// </summary>
    private sealed class MemorySamples(TextWriter output) : IProgress<EvaluationProgress>
    {
        private const long Every = 500;
        private readonly long _started = Stopwatch.GetTimestamp();
        private long _next;

        public void Report(EvaluationProgress value)
        {
            if (value.DocumentsDone < _next)
            {
                return;
            }

            _next = ((value.DocumentsDone / Every) + 1) * Every;
            // The managed heap beside the resident set: what the runtime holds, the rest being ONNX Runtime's and native.
            var gc = GC.GetGCMemoryInfo();
            output.WriteLine(JsonSerializer.Serialize(new
            {
                documents_done = value.DocumentsDone,
                seconds = Math.Round(Stopwatch.GetElapsedTime(_started).TotalSeconds, 1),
                vm_hwm_kib = ReadStatusKib("VmHWM"),
                vm_rss_kib = ReadStatusKib("VmRSS"),
                gc_heap_kib = gc.HeapSizeBytes / 1024,
                gc_committed_kib = gc.TotalCommittedBytes / 1024,
            }));
            output.Flush();
        }
    }

    /// <summary>A "Name:   1234 kB" line of /proc/self/status, in KiB.</summary>
    public static long ReadStatusKib(string name)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(name + ":", StringComparison.Ordinal))
            {
                var value = line[(name.Length + 1)..].Trim();
                return long.Parse(value.Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidDataException($"/proc/self/status has no {name} line");
    }
}
