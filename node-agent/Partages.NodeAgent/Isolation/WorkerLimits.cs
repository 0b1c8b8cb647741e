using System.Globalization;

namespace Partages.NodeAgent.Isolation;

/// <summary>What one inference worker may spend: wall-clock time, and memory (MiB) where the OS lets the agent cap it.</summary>
public sealed record WorkerLimits
{
    public WorkerLimits(TimeSpan runTimeout, int memoryLimitMb)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(runTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(memoryLimitMb, MinMemoryLimitMb);
        RunTimeout = runTimeout;
        MemoryLimitMb = memoryLimitMb;
    }

    /// <summary>
    /// Below this the .NET runtime and ONNX Runtime cannot even start in the worker, so every run would fail as
    /// "out of memory" (measured: the worker peaks at about 90 MB resident on the demo model).
    /// </summary>
    public const int MinMemoryLimitMb = 128;

    public TimeSpan RunTimeout { get; }

    public int MemoryLimitMb { get; }

    /// <summary>The run's timeout as the refusal says it: whole minutes when it is some, else seconds.</summary>
    public string DescribeTimeout()
    {
        var minutes = RunTimeout.TotalMinutes;
        if (minutes >= 1 && minutes == Math.Floor(minutes))
        {
            return minutes == 1 ? "1 minute" : string.Create(CultureInfo.InvariantCulture, $"{minutes:0} minutes");
        }

        return string.Create(CultureInfo.InvariantCulture, $"{RunTimeout.TotalSeconds:0.###} seconds");
    }
}
