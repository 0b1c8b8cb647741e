using Partages.NodeAgent.Engine.Isolation;

namespace Partages.NodeAgent.Isolation;

/// <summary>
/// What a worker that ended without an outcome line means, from its exit code and stderr. .NET reports a process
/// killed by signal N as exit code 128 + N. The reasons are safe to send: they name a limit or a signal, never data.
/// </summary>
internal static class WorkerExit
{
    private const int SignalBase = 128;
    private const int SigKill = 9;

    // What the .NET runtime prints when it cannot get memory: at start (E_OUTOFMEMORY, a GC reservation refused)
    // or when an OutOfMemoryException ends the process.
    private static readonly string[] OutOfMemoryMarkers =
    [
        "OutOfMemoryException",
        "Out of memory",
        "0x8007000E",
        "virtual memory limit",
        "Failed to allocate memory",
        "bad_alloc",
        // strerror(ENOMEM): the runtime's own allocations refused below its working minimum.
        "Cannot allocate memory",
    ];

    public static string OutOfMemoryReason(WorkerLimits limits) =>
        $"inference worker ran out of memory (limit {limits.MemoryLimitMb} MB)";

    public static string TimeoutReason(WorkerLimits limits) =>
        $"run exceeded the time limit of {limits.DescribeTimeout()}";

    /// <summary>Whether the end looks like the memory limit at work rather than a crash.</summary>
    public static bool IsOutOfMemory(int exitCode, string diagnostics) =>
        exitCode == WorkerExitCodes.OutOfMemory
        // SIGKILL that the agent did not send: the kernel's OOM killer (a container's cgroup limit) sends it.
        || exitCode == SignalBase + SigKill
        || OutOfMemoryMarkers.Any(marker => diagnostics.Contains(marker, StringComparison.OrdinalIgnoreCase));

    /// <summary>The exception a run fails with when its worker ended (on its own) without an outcome line.</summary>
    public static Exception ToException(int exitCode, string diagnostics, WorkerLimits limits)
    {
        if (IsOutOfMemory(exitCode, diagnostics))
        {
            return new EvaluationRefusedException(OutOfMemoryReason(limits));
        }

        return exitCode switch
        {
            // The node's installation is at fault, not the model: "internal error" to the coordinator, details in the log.
            WorkerCommand.LimitsNotApplied => new InvalidOperationException("The inference worker's limits could not be set (ulimit failed); it was not run."),
            127 => new InvalidOperationException("The inference worker could not be started: the dotnet host was not found."),
            WorkerExitCodes.BadRequest => new InvalidOperationException("The inference worker refused its request (agent and worker versions differ?)."),
            _ => new EvaluationRefusedException($"inference worker crashed ({DescribeExit(exitCode)})"),
        };
    }

    /// <summary>"signal SIGSEGV" for a signal, else "exit code N".</summary>
    public static string DescribeExit(int exitCode) =>
        exitCode > SignalBase && exitCode <= SignalBase + 64
            ? "signal " + SignalName(exitCode - SignalBase)
            : $"exit code {exitCode}";

    private static string SignalName(int signal) => signal switch
    {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        4 => "SIGILL",
        5 => "SIGTRAP",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        13 => "SIGPIPE",
        15 => "SIGTERM",
        24 => "SIGXCPU",
        25 => "SIGXFSZ",
        31 => "SIGSYS",
        _ => $"{signal}",
    };
}
