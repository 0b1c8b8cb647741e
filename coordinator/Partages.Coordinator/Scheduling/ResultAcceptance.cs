using Grpc.Core;
using Partages.Coordinator.Audit;
using Partages.Coordinator.Results;
using Partages.Coordinator.Sessions;
using Partages.Coordinator.Telemetry;
using Partages.Evaluation;

namespace Partages.Coordinator.Scheduling;

/// <summary>A node's released result for its run: checked, stored, the run succeeded, its evaluation closed if it was the last.</summary>
public sealed partial class ResultAcceptance(RunLedger ledger, AuditAnchors auditAnchors, ILogger<ResultAcceptance> logger)
{
    /// <summary>
    /// Stores a node's released result for its run. Idempotent: the same payload again returns false; a different
    /// payload for a succeeded run is refused. A payload refused by ResultIntake.Check (unreadable, or implausible for
    /// the node's announced dataset) fails the run. The audit head sent with it is recorded (AuditAnchors).
    /// </summary>
    public async Task<bool> SubmitResultAsync(NodeIdentity node, string runId, string resultJson, string resultSha256, string manifestJson, AuditHead? auditHead, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(node);
        using var intake = CoordinatorTelemetry.StartIntake(runId, node.Name, resultSha256);
        return await ledger.WriteAsync(
            async write =>
            {
                var db = write.Db;
                // Only this run and its evaluation: the other runs (and their results) are loaded when the evaluation closes.
                var run = await db.Runs.Include(r => r.Evaluation)
                    .SingleOrDefaultAsync(r => r.Id == runId, cancellationToken).ConfigureAwait(false)
                    ?? throw new RpcException(new Status(StatusCode.NotFound, $"Run '{runId}' does not exist."));
                if (run.NodeName != node.Name)
                {
                    throw new RpcException(new Status(StatusCode.PermissionDenied, $"Run '{runId}' belongs to another node."));
                }

                var hash = ContentHash.Of(resultJson);
                if (!string.Equals(hash, resultSha256, StringComparison.OrdinalIgnoreCase))
                {
                    throw new RpcException(new Status(StatusCode.InvalidArgument, $"result_sha256 is {resultSha256} but result_json hashes to {hash}."));
                }

                if (run.Status == RunStatus.Succeeded)
                {
                    if (run.ResultSha256 == hash)
                    {
                        Log.DuplicateResult(logger, run.Id, node.Name);
                        return false;
                    }

                    throw new RpcException(new Status(StatusCode.AlreadyExists, $"Run '{runId}' already has a different result (sha256 {run.ResultSha256})."));
                }

                if (!RunLifecycle.HoldsSlot(run.Status))
                {
                    var state = RunLifecycle.Name(run.Status);
                    throw new RpcException(new Status(StatusCode.FailedPrecondition, $"Run '{runId}' is {state}{(run.Reason.Length > 0 ? ": " + run.Reason : "")}; it takes no result."));
                }

                var evaluation = run.Evaluation!;
                var nodeRow = await db.Nodes.SingleAsync(n => n.Id == node.Id, cancellationToken).ConfigureAwait(false);
                auditAnchors.Record(nodeRow, auditHead, "result", write.Now);
                if (ResultIntake.Check(resultJson, evaluation, nodeRow.DatasetsJson, out var released) is { } refusal)
                {
                    write.Record(run, run.Fail(refusal.Reason, write.Now));
                    await write.FinalizeIfLastAsync(run, cancellationToken).ConfigureAwait(false);
                    await write.CommitAsync(cancellationToken).ConfigureAwait(false);
                    Log.InvalidResult(logger, run.Id, node.Name, refusal.Reason);
                    throw new RpcException(new Status(refusal.Status, refusal.Reason));
                }

                CoordinatorTelemetry.RecordResult(run, released);
                write.Record(run, run.Succeed(resultJson, released, hash, manifestJson, write.Now));
                await write.FinalizeIfLastAsync(run, cancellationToken).ConfigureAwait(false);
                await write.CommitAsync(cancellationToken).ConfigureAwait(false);
                Log.ResultStored(logger, run.Id, node.Name, hash);
                return true;
            },
            cancellationToken).ConfigureAwait(false);
    }

    private static partial class Log
    {
        [LoggerMessage(600, LogLevel.Information, "Result of run {RunId} from node {Node} stored (sha256 {Sha256}).")]
        public static partial void ResultStored(ILogger logger, string runId, string node, string sha256);

        [LoggerMessage(601, LogLevel.Information, "Result of run {RunId} from node {Node} was already stored; duplicate ignored.")]
        public static partial void DuplicateResult(ILogger logger, string runId, string node);

        [LoggerMessage(602, LogLevel.Warning, "Result of run {RunId} from node {Node} refused: {Problem}")]
        public static partial void InvalidResult(ILogger logger, string runId, string node, string problem);
    }
}
