using Partages.NodeAgent.Engine.Resilience;
using Partages.NodeAgent.Engine.Isolation;

namespace Partages.NodeAgent.Isolation;

/// <summary>How one inference worker ended, and what it had said about the run before.</summary>
internal sealed record AttemptOutcome(
    int Pid,
    WorkerMessage? Outcome,
    int ExitCode,
    string Diagnostics,
    long? Lines,
    DocumentRange? InFlight,
    DocumentRange? LastInference,
    WorkerMessage? LastCheckpoint,
    bool KilledAtBatchLimit)
{
    /// <summary>The model was loaded and reports were being read: a death from here on may be a report's doing.</summary>
    public bool ReadingStarted => Lines is not null;

    /// <summary>The documents to blame for a death: those under inference, or — killed at the batch limit as the call ended — the last call's.</summary>
    public DocumentRange? Culprit => InFlight ?? (KilledAtBatchLimit ? LastInference : null);
}

/// <summary>
/// Runs one inference worker for one plan: sends the request, forwards progress, follows the documents under
/// inference and kills the worker when one call outlasts <see cref="WorkerLimits.BatchTimeout"/>, keeps the last
/// checkpoint, and waits for the end. Killing ends stdout, which ends the read loop: one path for the batch limit,
/// the run's stop (its time limit or cancellation) and a crash.
/// </summary>
internal static class WorkerAttempt
{
    /// <summary>How long a worker that has written its outcome may take to exit before it is killed.</summary>
    private static readonly TimeSpan ExitGrace = TimeSpan.FromSeconds(10);

    public static async Task<AttemptOutcome> RunAsync(
        WorkerProcess worker,
        WorkerRequest request,
        WorkerLimits limits,
        TimeProvider timeProvider,
        IProgress<EvaluationProgress>? progress,
        Action<int, long, long>? inferenceStarted,
        CancellationToken stop)
    {
        long? lines = null;
        DocumentRange? inFlight = null;
        DocumentRange? lastInference = null;
        WorkerMessage? checkpoint = null;
        WorkerMessage? outcome = null;
        var killedAtBatchLimit = false;
        using var batchWatch = new CancellationTokenSource(Timeout.InfiniteTimeSpan, timeProvider);
        using (stop.Register(static state => ((WorkerProcess)state!).Kill(), worker))
        using (batchWatch.Token.Register(() =>
        {
            killedAtBatchLimit = true;
            worker.Kill();
        }))
        {
            try
            {
                await worker.SendAsync(request, stop).ConfigureAwait(false);
                await foreach (var message in worker.ReadMessagesAsync().ConfigureAwait(false))
                {
                    switch (message.Type)
                    {
                        case WorkerMessageTypes.Progress:
                            progress?.Report(new EvaluationProgress(message.DocumentsDone ?? 0, message.DocumentsTotal ?? 0));
                            break;
                        case WorkerMessageTypes.Reading:
                            lines = message.Lines ?? 0;
                            break;
                        case WorkerMessageTypes.Inference:
                            inFlight = lastInference = new DocumentRange(message.FirstDocument ?? 0, message.LastDocument ?? 0);
                            batchWatch.CancelAfter(limits.BatchTimeout);
                            inferenceStarted?.Invoke(worker.Id, inFlight.Value.First, inFlight.Value.Last);
                            break;
                        case WorkerMessageTypes.InferenceDone:
                            inFlight = null;
                            batchWatch.CancelAfter(Timeout.InfiniteTimeSpan);
                            break;
                        case WorkerMessageTypes.Checkpoint when message.Result is not null && message.Documents is not null && message.Lines is not null:
                            checkpoint = message;
                            break;
                        default:
                            if (message.IsOutcome)
                            {
                                outcome = message;
                            }

                            break;
                    }

                    if (outcome is not null)
                    {
                        break;
                    }
                }
            }
            catch (IOException)
            {
                // stdin broke: the worker died before reading its request; its exit code says why.
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // Killed while the request was being written.
            }

            // Past the call: a watch firing now would kill a worker that is only exiting.
            batchWatch.CancelAfter(Timeout.InfiniteTimeSpan);
        }

        var exitCode = await worker.WaitForExitAsync(ExitGrace).ConfigureAwait(false);
        var diagnostics = await worker.GetDiagnosticsAsync().ConfigureAwait(false);
        return new AttemptOutcome(worker.Id, outcome, exitCode, diagnostics, lines, inFlight, lastInference, checkpoint, killedAtBatchLimit);
    }
}
