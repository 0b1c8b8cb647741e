using System.Diagnostics;
using Grpc.Core;
using Partages.Coordinator.Audit;
using Partages.Coordinator.Results;
using Partages.Coordinator.Sessions;
using Partages.Coordinator.Telemetry;
using Partages.Evaluation;

namespace Partages.Coordinator.Scheduling;

/// <summary>
/// A node's released result for its run: checked, stored, the run succeeded, its evaluation closed if it was the last.
/// Results that arrive together are committed together (<see cref="GroupCommit{T}"/>): at 1,000 nodes a commit per
/// result made the last of them wait seconds behind the others' fsyncs.
/// </summary>
public sealed partial class ResultAcceptance
{
    /// <summary>Results in one transaction at most: a batch is parsed and checked under the gate.</summary>
    private const int MaxResultsPerCommit = 128;

    private readonly RunLedger _ledger;
    private readonly AuditAnchors _auditAnchors;
    private readonly ILogger<ResultAcceptance> _logger;
    private readonly GroupCommit<PendingResult> _commits;
    private readonly IntakeRulesCache _rules = new();

    public ResultAcceptance(RunLedger ledger, AuditAnchors auditAnchors, ILogger<ResultAcceptance> logger)
    {
        _ledger = ledger;
        _auditAnchors = auditAnchors;
        _logger = logger;
        _commits = new GroupCommit<PendingResult>(ledger, MaxResultsPerCommit, ApplyBatchAsync);
    }

    /// <summary>Results waiting for the gate (tests of the group commit).</summary>
    internal int QueuedResults => _commits.Queued;

    /// <summary>
    /// Stores a node's released result for its run, and returns once it is committed. Idempotent: the same payload
    /// again returns false (also when both arrive in one batch); a different payload for a succeeded run is refused. A
    /// payload refused by ResultIntake.Check (unreadable, or implausible for the node's announced dataset) fails the run.
    /// The audit head sent with it is recorded (AuditAnchors).
    /// </summary>
    public async Task<bool> SubmitResultAsync(NodeIdentity node, string runId, string resultJson, string resultSha256, string manifestJson, AuditHead? auditHead, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(node);
        using var intake = CoordinatorTelemetry.StartIntake(runId, node.Name, resultSha256);
        var pending = new PendingResult(node, runId, resultJson, resultSha256, manifestJson, auditHead, intake);
        return await _commits.ApplyAsync(pending, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Under the gate, one transaction: each result applied in turn, under its own intake span (so the pooling span of
    /// the result that closes the evaluation is a child of that result's intake, as when results were committed one by
    /// one). A refusal is an outcome, answered once the batch is committed (a refused result fails its run, and that
    /// failure is committed with the batch); any other error fails the batch, which is then applied result by result.
    /// </summary>
    private async Task ApplyBatchAsync(IReadOnlyList<PendingResult> batch, LedgerChanges changes)
    {
        var cancellationToken = CancellationToken.None;
        await using var write = await _ledger.OpenAsync(changes, cancellationToken).ConfigureAwait(false);
        var outcomes = new List<(PendingResult Pending, bool Stored, RpcException? Refusal)>(batch.Count);
        foreach (var pending in batch)
        {
            var outer = Activity.Current;
            Activity.Current = pending.Intake ?? outer;
            try
            {
                outcomes.Add((pending, await ApplyAsync(write, pending, cancellationToken).ConfigureAwait(false), null));
            }
            catch (RpcException refusal)
            {
                outcomes.Add((pending, false, refusal));
            }
            finally
            {
                Activity.Current = outer;
            }
        }

        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
        foreach (var (pending, stored, refusal) in outcomes)
        {
            if (refusal is not null)
            {
                pending.Applied.TrySetException(refusal);
            }
            else
            {
                if (stored)
                {
                    Log.ResultStored(_logger, pending.RunId, pending.Node.Name, pending.ResultSha256.ToLowerInvariant());
                }

                pending.Applied.TrySetResult(stored);
            }
        }
    }

    /// <summary>One result, in the batch's context; throws RpcException to refuse it (after failing its run if it was unreadable or implausible).</summary>
    private async Task<bool> ApplyAsync(LedgerWrite write, PendingResult pending, CancellationToken cancellationToken)
    {
        var (node, runId, resultJson, resultSha256, manifestJson, auditHead) = (pending.Node, pending.RunId, pending.ResultJson, pending.ResultSha256, pending.ManifestJson, pending.AuditHead);
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
                Log.DuplicateResult(_logger, run.Id, node.Name);
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
        _auditAnchors.Record(nodeRow, auditHead, "result", write.Now);
        if (ResultIntake.Check(resultJson, _rules.For(evaluation), nodeRow.DatasetsJson, out var released) is { } refusal)
        {
            write.Record(run, run.Fail(refusal.Reason, write.Now));
            await write.FinalizeIfLastAsync(run, cancellationToken).ConfigureAwait(false);
            Log.InvalidResult(_logger, run.Id, node.Name, refusal.Reason);
            throw new RpcException(new Status(refusal.Status, refusal.Reason));
        }

        CoordinatorTelemetry.RecordResult(run, released);
        write.Record(run, run.Succeed(resultJson, released, hash, manifestJson, write.Now));
        await write.FinalizeIfLastAsync(run, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>A result waiting for its group commit, with the intake span it is applied under.</summary>
    private sealed class PendingResult(NodeIdentity node, string runId, string resultJson, string resultSha256, string manifestJson, AuditHead? auditHead, Activity? intake)
        : PendingWrite
    {
        public NodeIdentity Node { get; } = node;

        public string RunId { get; } = runId;

        public string ResultJson { get; } = resultJson;

        public string ResultSha256 { get; } = resultSha256;

        public string ManifestJson { get; } = manifestJson;

        public AuditHead? AuditHead { get; } = auditHead;

        public Activity? Intake { get; } = intake;
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
