namespace Partages.NodeAgent.Isolation;

/// <summary>
/// What a run's inference workers may spend: wall-clock time for the whole run, for one inference call, and memory
/// (MiB) where the OS lets the agent cap it.
/// </summary>
public sealed record WorkerLimits
{
    /// <param name="batchTimeout">
    /// How long one inference call may run before the agent kills the worker (its batch is then counted failed and a
    /// new worker resumes): by default the engine's own per-call limit plus a grace (<see cref="BatchKillAfter"/>).
    /// </param>
    public WorkerLimits(TimeSpan runTimeout, int memoryLimitMb, TimeSpan? batchTimeout = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(runTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(memoryLimitMb, MinMemoryLimitMb);
        RunTimeout = runTimeout;
        MemoryLimitMb = memoryLimitMb;
        BatchTimeout = batchTimeout ?? BatchKillAfter(TimeSpan.FromSeconds(Engine.EvaluationEngineOptions.DefaultBatchTimeoutSeconds));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(BatchTimeout, TimeSpan.Zero, nameof(batchTimeout));
    }

    /// <summary>
    /// When the agent kills a worker whose inference call runs past the engine's own limit: the worker abandons the
    /// call itself at the limit (ONNX Runtime's terminate flag); this catches a native call that never looks at the
    /// flag, a quarter later (at least 5 s), so the two do not race.
    /// </summary>
    public static TimeSpan BatchKillAfter(TimeSpan engineBatchTimeout) =>
        engineBatchTimeout + TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(5).Ticks, engineBatchTimeout.Ticks / 4));

    /// <summary>
    /// Below this the .NET runtime and ONNX Runtime cannot even start in the worker, so every run would fail as
    /// "out of memory" (measured: the worker peaks at about 90 MB resident on the demo model).
    /// </summary>
    public const int MinMemoryLimitMb = 128;

    public TimeSpan RunTimeout { get; }

    public int MemoryLimitMb { get; }

    public TimeSpan BatchTimeout { get; }

    /// <summary>The run's timeout as the log says it: whole minutes when it is some, else seconds.</summary>
    public string DescribeTimeout() => Describe(RunTimeout);

    /// <summary>A duration as the log says it: whole minutes when it is some, else seconds.</summary>
    public static string Describe(TimeSpan duration)
    {
        var minutes = duration.TotalMinutes;
        if (minutes >= 1 && minutes == Math.Floor(minutes))
        {
            return minutes == 1 ? "1 minute" : string.Create(CultureInfo.InvariantCulture, $"{minutes:0} minutes");
        }

        return string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0.###} seconds");
    }
}
