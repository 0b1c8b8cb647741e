using Grpc.Core;
using Microsoft.Extensions.Logging;
using Partages.Evaluation.Results;
using Partages.NodeAgent.Audit;
using Partages.NodeAgent.Configuration;
using Partages.NodeAgent.Connectivity;

namespace Partages.NodeAgent.ReleaseGate;

/// <summary>
/// The single place every outgoing result passes through. It takes a <see cref="ResultDocument"/> (aggregates
/// only), serializes it with <see cref="ResultJson"/>, hashes the bytes, records the hash in the audit trail and
/// the log (never the content), and submits it. SubmitResult is idempotent, so a failed submission is retried
/// with back-off until it lands, the coordinator refuses it, or the run is cancelled.
/// </summary>
public sealed partial class ResultReleaseGate(
    IResultTransport transport,
    IAuditLog audit,
    AgentOptions options,
    TimeProvider timeProvider,
    ILogger<ResultReleaseGate> logger)
{
    /// <summary>Serializes, hashes and records the result; the returned payload is what <see cref="SubmitAsync"/> sends.</summary>
    public ReleasedPayload Prepare(string runId, ResultDocument result)
    {
        var payload = ReleasedPayload.From(runId, result);
        LogReleased(logger, payload.RunId, payload.Sha256, payload.ByteCount);
        return payload;
    }

    /// <exception cref="ResultRefusedException">The coordinator answered with a non-transient error.</exception>
    public async Task<SubmitOutcome> SubmitAsync(ReleasedPayload payload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(payload);
        // Recorded (and flushed) before the bytes can leave: in manual approval a prepared payload may never be sent.
        audit.Append(AuditEntry.ResultReleased(payload.RunId, payload.Sha256));
        var pipeline = ReconnectPipeline.Create(
            options,
            timeProvider,
            IsTransient,
            args =>
            {
                var status = (args.Outcome.Exception as RpcException)?.StatusCode.ToString() ?? "error";
                if (args.AttemptNumber == 0)
                {
                    LogSubmitRetrying(logger, payload.RunId, status);
                }
                else
                {
                    LogSubmitStillFailing(logger, payload.RunId, status, args.AttemptNumber + 1);
                }

                return ValueTask.CompletedTask;
            });
        bool stored;
        try
        {
            stored = await pipeline.ExecuteAsync(
                async ct => await transport.SubmitAsync(payload, ct).ConfigureAwait(false),
                cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("The submission was cancelled.", ex, cancellationToken);
        }
        catch (RpcException ex)
        {
            LogSubmitRefused(logger, payload.RunId, ex.StatusCode, ex.Status.Detail);
            throw new ResultRefusedException(ex.StatusCode, ex.Status.Detail, ex);
        }

        LogSubmitted(logger, payload.RunId, payload.Sha256, stored);
        return new SubmitOutcome(payload.Sha256, stored);
    }

    /// <summary>Prepare, then submit: the usual path for a finished run.</summary>
    public Task<SubmitOutcome> ReleaseAsync(string runId, ResultDocument result, CancellationToken cancellationToken) =>
        SubmitAsync(Prepare(runId, result), cancellationToken);

    private static bool IsTransient(Exception exception) =>
        exception is RpcException
        {
            StatusCode: StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Aborted
                or StatusCode.Internal or StatusCode.Unknown or StatusCode.ResourceExhausted,
        };

    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "Releasing the result of run {RunId}: sha256 {Sha256}, {Bytes} bytes")]
    private static partial void LogReleased(ILogger logger, string runId, string sha256, int bytes);

    [LoggerMessage(EventId = 401, Level = LogLevel.Information, Message = "Result of run {RunId} (sha256 {Sha256}) submitted; stored now: {Stored}")]
    private static partial void LogSubmitted(ILogger logger, string runId, string sha256, bool stored);

    [LoggerMessage(EventId = 402, Level = LogLevel.Warning, Message = "Submitting the result of run {RunId} failed ({Status}); retrying with back-off until it lands")]
    private static partial void LogSubmitRetrying(ILogger logger, string runId, string status);

    [LoggerMessage(EventId = 403, Level = LogLevel.Debug, Message = "Submitting the result of run {RunId} failed again ({Status}), attempt {Attempt}")]
    private static partial void LogSubmitStillFailing(ILogger logger, string runId, string status, int attempt);

    [LoggerMessage(EventId = 404, Level = LogLevel.Error, Message = "The coordinator refused the result of run {RunId} ({Status}): {Detail}")]
    private static partial void LogSubmitRefused(ILogger logger, string runId, StatusCode status, string detail);
}

public sealed record SubmitOutcome(string Sha256, bool Stored);

/// <summary>The coordinator refused a result with a non-transient status; retrying would not help.</summary>
public sealed class ResultRefusedException : Exception
{
    public ResultRefusedException(StatusCode statusCode, string detail, Exception innerException)
        : base($"the coordinator refused the result ({statusCode}): {detail}", innerException) => StatusCode = statusCode;

    public ResultRefusedException()
    {
    }

    public ResultRefusedException(string message)
        : base(message)
    {
    }

    public ResultRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public StatusCode StatusCode { get; }
}
