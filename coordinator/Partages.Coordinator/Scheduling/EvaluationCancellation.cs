using Grpc.Core;
using Partages.Coordinator.Results;

namespace Partages.Coordinator.Scheduling;

/// <summary>An evaluator cancels an evaluation: its open runs are cancelled, and the nodes holding one are told to stop.</summary>
public sealed partial class EvaluationCancellation(RunLedger ledger, ILogger<EvaluationCancellation> logger)
{
    public async Task CancelAsync(string evaluationId, string by, string reason, CancellationToken cancellationToken) =>
        await ledger.WriteAsync(
            async write =>
            {
                var evaluation = await write.Db.Evaluations.Include(e => e.Runs)
                    .SingleOrDefaultAsync(e => e.Id == evaluationId, cancellationToken).ConfigureAwait(false)
                    ?? throw new RpcException(new Status(StatusCode.NotFound, $"Evaluation '{evaluationId}' does not exist."));
                if (RunLifecycle.IsFinal(evaluation.Status))
                {
                    throw new RpcException(new Status(StatusCode.FailedPrecondition, $"Evaluation '{evaluationId}' is already {RunLifecycle.Name(evaluation.Status)}."));
                }

                var why = string.IsNullOrWhiteSpace(reason) ? $"cancelled by {by}" : $"cancelled by {by}: {reason.Trim()}";
                var cancels = new List<(string Node, CoordinatorMessage Message)>();
                foreach (var run in evaluation.Runs.Where(r => !RunLifecycle.IsFinal(r.Status)))
                {
                    if (RunLifecycle.HoldsSlot(run.Status))
                    {
                        cancels.Add((run.NodeName, new CoordinatorMessage { Cancel = new CancelJob { RunId = run.Id, Reason = why } }));
                    }

                    write.Record(run, run.Cancel(why, write.Now));
                }

                ResultPooler.Close(evaluation, write.Now, EvaluationStatus.Cancelled, why);
                write.Changes.Evaluation(evaluation);
                await write.CommitAsync(cancellationToken).ConfigureAwait(false);
                foreach (var (node, message) in cancels)
                {
                    ledger.Send(node, message);
                }

                Log.EvaluationCancelled(logger, evaluationId, by, cancels.Count);
            },
            cancellationToken).ConfigureAwait(false);

    private static partial class Log
    {
        [LoggerMessage(406, LogLevel.Information, "Evaluation {EvaluationId} cancelled by {By}; {Notified} node run(s) told to stop.")]
        public static partial void EvaluationCancelled(ILogger logger, string evaluationId, string by, int notified);
    }
}
