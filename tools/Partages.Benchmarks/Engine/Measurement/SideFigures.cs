namespace Partages.Benchmarks.Engine.Measurement;

/// <summary>One timed pass of one side over the corpus.</summary>
internal sealed record SideFigures(long Documents, double WallSeconds, double CpuSeconds, double Accuracy)
{
    public double DocumentsPerSecond => Documents / WallSeconds;

    /// <summary>CPU seconds per wall second: 2.0 means both cores busy for the whole pass.</summary>
    public double CoresBusy => CpuSeconds / WallSeconds;
}

/// <summary>Wall and CPU time of the whole process around a piece of work.</summary>
internal readonly struct ProcessClock
{
    private readonly long _started;
    private readonly TimeSpan _cpuStarted;

    private ProcessClock(long started, TimeSpan cpuStarted)
    {
        _started = started;
        _cpuStarted = cpuStarted;
    }

    public static ProcessClock Start() => new(System.Diagnostics.Stopwatch.GetTimestamp(), Environment.CpuUsage.TotalTime);

    public (double WallSeconds, double CpuSeconds) Elapsed() =>
        (System.Diagnostics.Stopwatch.GetElapsedTime(_started).TotalSeconds, (Environment.CpuUsage.TotalTime - _cpuStarted).TotalSeconds);
}

internal static class Statistics
{
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
