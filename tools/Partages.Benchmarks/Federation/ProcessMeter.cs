namespace Partages.Benchmarks.Federation;

/// <summary>One reading of a process's counters from <c>/proc</c>.</summary>
internal readonly record struct ProcessReading(double CpuSeconds, long RssBytes, long PeakRssBytes);

/// <summary>
/// Reads another process's CPU time and memory from <c>/proc/&lt;pid&gt;</c> (Linux): user + system CPU from
/// <c>stat</c>, resident set and its high-water mark from <c>status</c>. The high-water mark can be reset between
/// phases (<c>clear_refs</c>), so each phase reports its own peak.
/// </summary>
internal sealed class ProcessMeter(int pid)
{
    // /proc reports CPU times in USER_HZ clock ticks, which the kernel ABI fixes at 100 on x86-64 and arm64.
    private const double TicksPerSecond = 100;

    public int Pid { get; } = pid;

    public ProcessReading Read()
    {
        var stat = File.ReadAllText($"/proc/{Pid}/stat");
        // The command name (field 2) is in parentheses and may contain spaces: count fields after its closing one.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // After the name, field 3 (state) is index 0, so utime (14) and stime (15) are indexes 11 and 12.
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        long rss = 0, peak = 0;
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kilobytes(line);
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = Kilobytes(line);
            }
        }

        return new ProcessReading(ticks / TicksPerSecond, rss, peak);
    }

    /// <summary>Resets the peak RSS to the current RSS; false when the kernel does not allow it (the peak is then since start).</summary>
    public bool ResetPeak()
    {
        try
        {
            File.WriteAllText($"/proc/{Pid}/clear_refs", "5");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static long Kilobytes(string line) =>
        long.Parse(line.Split(':', 2)[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
}

/// <summary>CPU seconds and peak RSS of one phase, between two readings.</summary>
internal sealed record PhaseUsage(TimeSpan Wall, double CoordinatorCpuSeconds, long CoordinatorPeakRssBytes, long CoordinatorRssBeforeBytes, double BenchmarkCpuSeconds)
{
    /// <summary>Starts measuring a phase: resets the coordinator's peak RSS and notes both processes' CPU.</summary>
    public static Func<PhaseUsage> Start(ProcessMeter coordinator)
    {
        ArgumentNullException.ThrowIfNull(coordinator);
        coordinator.ResetPeak();
        var before = coordinator.Read();
        var ownBefore = Environment.CpuUsage.TotalTime;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        return () =>
        {
            var after = coordinator.Read();
            return new PhaseUsage(
                System.Diagnostics.Stopwatch.GetElapsedTime(started),
                after.CpuSeconds - before.CpuSeconds,
                after.PeakRssBytes,
                before.RssBytes,
                (Environment.CpuUsage.TotalTime - ownBefore).TotalSeconds);
        };
    }
}
