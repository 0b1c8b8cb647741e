namespace Partages.NodeAgent.Isolation;

/// <summary>The log events of <see cref="IsolatedEvaluationEngine"/>, with their stable ids.</summary>
public sealed partial class IsolatedEvaluationEngine
{
    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "Inference worker {Pid} started for dataset '{Dataset}' (time limit {TimeLimit}, per-batch limit {BatchLimit}, memory limit {MemoryLimitMb} MB), from document {StartDocument}")]
    private static partial void LogStarted(ILogger logger, int pid, string dataset, string timeLimit, string batchLimit, int memoryLimitMb, long startDocument);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Inference worker {Pid} finished the run (exit code {ExitCode}; {Workers} worker(s) in all)")]
    private static partial void LogSucceeded(ILogger logger, int pid, int exitCode, int workers);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Inference worker {Pid} killed: the run exceeded its time limit of {TimeLimit}")]
    private static partial void LogTimedOut(ILogger logger, int pid, string timeLimit);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "Inference worker {Pid} ran out of memory (limit {MemoryLimitMb} MB). Its stderr: {Diagnostics}")]
    private static partial void LogOutOfMemory(ILogger logger, int pid, int memoryLimitMb, string diagnostics);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "Inference worker {Pid} crashed ({Exit}). Its stderr: {Diagnostics}")]
    private static partial void LogCrashed(ILogger logger, int pid, string exit, string diagnostics);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Information, Message = "Inference worker {Pid} killed: the run was cancelled")]
    private static partial void LogCancelled(ILogger logger, int pid);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Warning, Message = "Inference workers run without a memory limit on this system ({System}): only Linux lets the agent set one; the time limit still applies")]
    private static partial void LogMemoryLimitNotEnforced(ILogger logger, string system);

    [LoggerMessage(EventId = 1107, Level = LogLevel.Debug, Message = "Inference worker {Pid} stderr: {Diagnostics}")]
    private static partial void LogDiagnostics(ILogger logger, int pid, string diagnostics);

    [LoggerMessage(EventId = 1108, Level = LogLevel.Information, Message = "Inference worker {Pid}: the engine refused the job: {Reason}")]
    private static partial void LogRefused(ILogger logger, int pid, string reason);

    [LoggerMessage(EventId = 1109, Level = LogLevel.Error, Message = "Inference worker {Pid} failed with {ExceptionType}. Its stderr: {Diagnostics}")]
    private static partial void LogWorkerError(ILogger logger, int pid, string exceptionType, string diagnostics);

    [LoggerMessage(EventId = 1110, Level = LogLevel.Warning, Message = "Inference worker {Pid} died reading reports ({Exit}) during {Blamed}; a new worker resumes from document {ResumeFrom} ({Isolated} batch(es) scored one document at a time, {Failed} document(s) counted inference_failed). Its stderr: {Diagnostics}")]
    private static partial void LogRestarting(ILogger logger, int pid, string exit, string blamed, long resumeFrom, int isolated, int failed, string diagnostics);

    [LoggerMessage(EventId = 1111, Level = LogLevel.Error, Message = "Inference worker {Pid} died ({Exit}) where no document is left to set aside; the run fails. Its stderr: {Diagnostics}")]
    private static partial void LogNoProgress(ILogger logger, int pid, string exit, string diagnostics);
}
