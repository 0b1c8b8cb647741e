using Partages.Coordinator.Audit;
using Partages.Coordinator.Sessions;
using Partages.Coordinator.Telemetry;

namespace Partages.Coordinator.Scheduling;

/// <summary>
/// What one message of a node's session means for its runs (heartbeat, acceptance, progress, approval wait, refusal,
/// failure, cancellation, hand-back), applied within a batch of the <see cref="SessionInbox"/>.
/// </summary>
public sealed partial class SessionMessages(AuditAnchors auditAnchors, ILogger<SessionMessages> logger)
{
    /// <summary>One session message, in the batch's context. False when the node has been revoked (nothing is changed then).</summary>
    public async Task<bool> ApplyAsync(LedgerWrite write, NodeSession session, NodeMessage message, List<CoordinatorMessage> replies, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(message);
        switch (message.KindCase)
        {
            case NodeMessage.KindOneofCase.Heartbeat:
                return await HeartbeatAsync(write, session, message.Heartbeat, cancellationToken).ConfigureAwait(false);
            case NodeMessage.KindOneofCase.Hello:
                Log.UnexpectedHello(logger, session.NodeName);
                break;
            case NodeMessage.KindOneofCase.None:
                break;
            default:
                await ApplyRunMessageAsync(write, session, message, replies, cancellationToken).ConfigureAwait(false);
                break;
        }

        return true;
    }

    private async Task<bool> HeartbeatAsync(LedgerWrite write, NodeSession session, Heartbeat heartbeat, CancellationToken cancellationToken)
    {
        var db = write.Db;
        var node = await db.Nodes.SingleOrDefaultAsync(n => n.Id == session.Node.Id, cancellationToken).ConfigureAwait(false);
        if (node is null || node.Revoked || !Auth.NodeCertificateMatch.Holds(node, session.Node.CertificateSha256))
        {
            return false;
        }

        node.LastSeen = write.Now;
        auditAnchors.Record(node, heartbeat.AuditHead, "heartbeat", write.Now);
        var ids = heartbeat.ActiveRunIds.ToList();
        var nodeName = session.NodeName;
        var renewed = await db.Runs
            .Where(r => r.NodeName == nodeName && ids.Contains(r.Id) && RunLifecycle.Open.Contains(r.Status))
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        // A run already tracked by this batch has its new state; one that just ended keeps no lease.
        foreach (var run in renewed)
        {
            run.RenewLease(write.LeaseUntil);
        }

        return true;
    }

    private async Task ApplyRunMessageAsync(LedgerWrite write, NodeSession session, NodeMessage message, List<CoordinatorMessage> replies, CancellationToken cancellationToken)
    {
        var runId = message.KindCase switch
        {
            NodeMessage.KindOneofCase.Accepted => message.Accepted.RunId,
            NodeMessage.KindOneofCase.Rejected => message.Rejected.RunId,
            NodeMessage.KindOneofCase.Progress => message.Progress.RunId,
            NodeMessage.KindOneofCase.Failed => message.Failed.RunId,
            NodeMessage.KindOneofCase.Cancelled => message.Cancelled.RunId,
            NodeMessage.KindOneofCase.HandedBack => message.HandedBack.RunId,
            NodeMessage.KindOneofCase.AwaitingApproval => message.AwaitingApproval.RunId,
            _ => "",
        };
        // Only this run and its evaluation: loading every run of a 200-node evaluation for each progress report made a
        // round quadratic. The other runs are loaded when the run ends and the evaluation may close.
        var run = await write.Db.Runs.Include(r => r.Evaluation)
            .SingleOrDefaultAsync(r => r.Id == runId, cancellationToken).ConfigureAwait(false);
        var keepsWorking = message.KindCase is NodeMessage.KindOneofCase.Accepted or NodeMessage.KindOneofCase.Progress;
        if (run is null || run.NodeName != session.NodeName)
        {
            Log.ForeignRun(logger, session.NodeName, message.KindCase.ToString(), runId);
            if (keepsWorking)
            {
                replies.Add(Cancel(runId, "the coordinator has no such run for this node"));
            }

            return;
        }

        if (RunLifecycle.IsFinal(run.Status))
        {
            // The run ended here (cancelled, deadline, lease) while the node kept working on it: tell it to stop.
            if (keepsWorking)
            {
                replies.Add(Cancel(run.Id, $"the run is already {RunLifecycle.Name(run.Status)}"));
            }

            return;
        }

        var now = write.Now;
        switch (message.KindCase)
        {
            case NodeMessage.KindOneofCase.Accepted:
                write.Record(run, run.Accept(now, write.LeaseUntil));
                break;
            case NodeMessage.KindOneofCase.Progress:
                var progress = message.Progress;
                var phase = progress.Phase switch
                {
                    JobPhase.Downloading => RunStatus.Downloading,
                    JobPhase.Running => RunStatus.Running,
                    _ => RunStatus.Accepted,
                };
                CoordinatorTelemetry.RecordProgress(run, progress);
                // Phases only move forward (RunEntity.PhaseAfter); a late DOWNLOADING report changes nothing.
                write.Record(run, run.ReportProgress(phase, progress.Done, progress.Total, ProgressUnits.Of(progress.Phase), now, write.LeaseUntil, out var countsChanged));
                if (countsChanged)
                {
                    write.Touched(run);
                }

                break;
            case NodeMessage.KindOneofCase.Rejected:
                await RejectAsync(write, run, Reason(message.Rejected.Reason, "rejected by the node"), cancellationToken).ConfigureAwait(false);
                break;
            case NodeMessage.KindOneofCase.AwaitingApproval:
                var reason = message.AwaitingApproval.Stage == JobApprovalStage.Payload
                    ? "waiting for the hospital to approve the result before it leaves"
                    : "waiting for the hospital to approve the run";
                write.Record(run, run.AwaitApproval(reason, now, write.LeaseUntil));
                break;
            case NodeMessage.KindOneofCase.Failed:
                write.Record(run, run.Fail(Reason(message.Failed.Reason, "failed at the node"), now));
                await write.FinalizeIfLastAsync(run, cancellationToken).ConfigureAwait(false);
                break;
            case NodeMessage.KindOneofCase.Cancelled:
                write.Record(run, run.Cancel("cancelled by the node", now));
                await write.FinalizeIfLastAsync(run, cancellationToken).ConfigureAwait(false);
                break;
            case NodeMessage.KindOneofCase.HandedBack:
                // A stopping node gave the run back unfinished: queued again, without a lease (nothing is running it; the
                // evaluation's deadline still applies), offered when the node's next session opens. Its freed slot is not
                // offered now: the node is stopping, and would only hand the run back again.
                var handedBack = Reason(message.HandedBack.Reason, "handed back by the node");
                write.Record(run, run.Requeue(handedBack, now), offerFreedSlot: false);
                Log.RunHandedBack(logger, run.Id, run.NodeName, handedBack);
                break;
        }
    }

    /// <summary>
    /// The node refused the run. Refused as busy, it is queued again (its slot count learned from the runs the node
    /// holds) and offered when one of them ends; refused for any other reason, it is final.
    /// </summary>
    private async Task RejectAsync(LedgerWrite write, RunEntity run, string reason, CancellationToken cancellationToken)
    {
        if (reason != OfferQueue.BusyReason)
        {
            write.Record(run, run.Reject(reason, write.Now));
            await write.FinalizeIfLastAsync(run, cancellationToken).ConfigureAwait(false);
            return;
        }

        var db = write.Db;
        var nodeRuns = await db.Runs.Where(r => r.NodeName == run.NodeName && RunLifecycle.AtNode.Contains(r.Status))
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        if (OfferQueue.LearnedCapacity(nodeRuns.Where(r => !RunLifecycle.IsFinal(r.Status)), run.Id) is { } learned)
        {
            var node = await db.Nodes.SingleOrDefaultAsync(n => n.Name == run.NodeName, cancellationToken).ConfigureAwait(false);
            if (node is not null && (node.MaxConcurrentRuns <= 0 || node.MaxConcurrentRuns > learned))
            {
                node.MaxConcurrentRuns = learned;
            }
        }

        // Its freed slot is not offered at once: the node would only refuse it again.
        write.Record(run, run.Requeue(OfferQueue.RequeuedBusyReason, write.Now), offerFreedSlot: false);
        Log.RequeuedBusy(logger, run.Id, run.NodeName);
    }

    private static CoordinatorMessage Cancel(string runId, string reason) => new() { Cancel = new CancelJob { RunId = runId, Reason = reason } };

    private static string Reason(string given, string fallback)
    {
        var trimmed = given.Trim();
        return trimmed.Length == 0 ? fallback : trimmed.Length > 1000 ? trimmed[..1000] : trimmed;
    }

    private static partial class Log
    {
        [LoggerMessage(407, LogLevel.Warning, "Node {Node} sent {Kind} for run {RunId}, which is not one of its runs; ignored.")]
        public static partial void ForeignRun(ILogger logger, string node, string kind, string runId);

        [LoggerMessage(408, LogLevel.Warning, "Node {Node} sent a second hello on the same session; ignored.")]
        public static partial void UnexpectedHello(ILogger logger, string node);

        [LoggerMessage(410, LogLevel.Information, "Run {RunId} handed back by node {Node} ({Reason}); queued until the node's next session.")]
        public static partial void RunHandedBack(ILogger logger, string runId, string node, string reason);

        [LoggerMessage(411, LogLevel.Information, "Run {RunId} refused by node {Node} as busy; queued until one of its runs ends.")]
        public static partial void RequeuedBusy(ILogger logger, string runId, string node);
    }
}
