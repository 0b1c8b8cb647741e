namespace Partages.NodeAgent.Jobs;

/// <summary>The log events of <see cref="JobRunner"/>, with their stable ids.</summary>
public sealed partial class JobRunner
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Accepted run {RunId} (evaluation {EvaluationId}, spec '{SpecName}', dataset '{Dataset}')")]
    private static partial void LogAccepted(ILogger logger, string runId, string evaluationId, string specName, string dataset);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "Rejected run {RunId}: {Reason}")]
    private static partial void LogRejected(ILogger logger, string runId, string reason);

    [LoggerMessage(EventId = 202, Level = LogLevel.Information, Message = "Run {RunId}: bundle ready, evaluating on dataset '{Dataset}'")]
    private static partial void LogEvaluating(ILogger logger, string runId, string dataset);

    [LoggerMessage(EventId = 203, Level = LogLevel.Information, Message = "Run {RunId} succeeded; released result sha256 {Sha256}")]
    private static partial void LogSucceeded(ILogger logger, string runId, string sha256);

    [LoggerMessage(EventId = 204, Level = LogLevel.Warning, Message = "Run {RunId} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string runId, string reason, Exception? exception);

    [LoggerMessage(EventId = 205, Level = LogLevel.Error, Message = "Run {RunId} failed with an internal error; the coordinator is told only that the run failed at the node")]
    private static partial void LogInternalError(ILogger logger, string runId, Exception? exception);

    [LoggerMessage(EventId = 206, Level = LogLevel.Information, Message = "Cancellation of run {RunId} requested: {Reason}")]
    private static partial void LogCancelRequested(ILogger logger, string runId, string reason);

    [LoggerMessage(EventId = 207, Level = LogLevel.Information, Message = "Run {RunId} cancelled")]
    private static partial void LogCancelled(ILogger logger, string runId);

    [LoggerMessage(EventId = 208, Level = LogLevel.Information, Message = "Cancellation asked for run {RunId}, which is not running here; acknowledged")]
    private static partial void LogCancelUnknownRun(ILogger logger, string runId);

    [LoggerMessage(EventId = 209, Level = LogLevel.Warning, Message = "Run {RunId} handed back to the coordinator: the agent is stopping (it is offered again when the agent is back)")]
    private static partial void LogHandedBack(ILogger logger, string runId);

    [LoggerMessage(EventId = 212, Level = LogLevel.Information, Message = "Stopping: {Count} run(s) in progress get up to {GraceSeconds} s to finish; the rest is handed back to the coordinator")]
    private static partial void LogDraining(ILogger logger, int count, double graceSeconds);

    [LoggerMessage(EventId = 213, Level = LogLevel.Information, Message = "Job runner stopped: {Finished} run(s) finished during the stop, {HandedBack} handed back to the coordinator")]
    private static partial void LogStopped(ILogger logger, int finished, int handedBack);

    [LoggerMessage(EventId = 210, Level = LogLevel.Error, Message = "Could not handle the offer of run {RunId}")]
    private static partial void LogOfferError(ILogger logger, string runId, Exception exception);

    [LoggerMessage(EventId = 211, Level = LogLevel.Warning, Message = "Ignored a job offer without a run id")]
    private static partial void LogOfferWithoutRunId(ILogger logger);
}
