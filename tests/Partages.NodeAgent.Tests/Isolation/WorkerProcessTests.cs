namespace Partages.NodeAgent.Tests.Isolation;

/// <summary>
/// What the tests running real inference workers share: a scratch folder (<see cref="TestDirectoryPerTest"/>), the
/// recorded logs, an isolated engine with small limits (seconds, a few hundred MB) so they are fast, and a watch on the
/// workers it starts.
/// </summary>
public abstract class WorkerProcessTests : TestDirectoryPerTest
{
    /// <summary>Far above what the worker needs for the small model (about 90 MB resident), far below the hog's 1 GiB.</summary>
    protected const int MemoryLimitMb = 384;

    protected static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(2);

    protected RecordingLoggerProvider Logs { get; private set; } = null!;

    [SetUp]
    public void RecordLogs() => Logs = new RecordingLoggerProvider();

    protected IsolatedEvaluationEngine Engine(EvaluationEngineOptions options, TimeSpan? runTimeout = null, TimeSpan? batchKill = null) => new(
        new EvaluationEngine(options),
        options,
        new WorkerLimits(runTimeout ?? RunTimeout, MemoryLimitMb, batchKill ?? WorkerLimits.BatchKillAfter(options.BatchTimeout)),
        Logs.CreateLogger<IsolatedEvaluationEngine>());

    /// <summary>The process ids of the workers <paramref name="engine"/> starts, as they start.</summary>
    protected static List<int> Watch(IsolatedEvaluationEngine engine)
    {
        var started = new List<int>();
        engine.WorkerStarted += pid =>
        {
            lock (started)
            {
                started.Add(pid);
            }
        };
        return started;
    }

    /// <summary>Whether no live process has this id any more (the engine waited for its exit, so it is reaped too).</summary>
    protected static bool IsGone(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }
}
