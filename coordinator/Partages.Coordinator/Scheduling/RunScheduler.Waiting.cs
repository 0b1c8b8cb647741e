using Microsoft.EntityFrameworkCore;
using Partages.Contracts.V1;
using Partages.Coordinator.Persistence;

namespace Partages.Coordinator.Scheduling;

/// <summary>
/// The waits an evaluator should see rather than guess (docs/coordinator.md, "Run lifecycle"): a run awaiting the
/// hospital's approval, a run refused by a busy node (queued again), and nodes offline since submission, which stop
/// holding the evaluation open once min_sites succeeded and the grace period passed. (Its own file: RunScheduler.cs
/// is long enough.)
/// </summary>
public sealed partial class RunScheduler
{
    /// <summary>Why a run waits for a node that was not connected at submission.</summary>
    public const string OfflineAtSubmission = "the node was offline at submission; offered when it connects";

    /// <summary>The node's policy asks a person: the run waits for them, with its lease kept by the heartbeats.</summary>
    private void AwaitApproval(CoordinatorDbContext db, RunEntity run, JobApprovalStage stage, DateTimeOffset now, Changes changes)
    {
        if (RunLifecycle.PhaseRank(run.Status) < RunLifecycle.PhaseRank(RunStatus.Accepted))
        {
            // Its acceptance was lost on the way: it was accepted all the same.
            run.Attempts++;
        }

        var reason = stage == JobApprovalStage.Payload
            ? "waiting for the hospital to approve the result before it leaves"
            : "waiting for the hospital to approve the run";
        if (run.Status != RunStatus.AwaitingApproval || run.Reason != reason)
        {
            Transition(db, run, RunStatus.AwaitingApproval, reason, now, changes);
        }

        run.LeaseExpiresAt = now + Lease;
    }

    /// <summary>
    /// The node refused the run. Refused as busy, it is queued again (its slot count learned from the runs the node
    /// holds) and offered when one of them ends; refused for any other reason, it is final.
    /// </summary>
    private async Task RejectAsync(CoordinatorDbContext db, RunEntity run, string reason, DateTimeOffset now, Changes changes, CancellationToken cancellationToken)
    {
        if (reason != OfferQueue.BusyReason)
        {
            Transition(db, run, RunStatus.Rejected, reason, now, changes);
            await FinalizeIfLastAsync(db, run, now, changes, cancellationToken).ConfigureAwait(false);
            return;
        }

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
        Record(db, run, run.Status, run.Requeue(OfferQueue.RequeuedBusyReason, now), changes, offerFreedSlot: false);
        WaitingLog.RequeuedBusy(logger, run.Id, run.NodeName);
    }

    /// <summary>
    /// Closes every running evaluation that waits only for nodes offline since submission, once at least min_sites of
    /// its runs succeeded and <c>OfflineGraceSeconds</c> passed since its last other run ended: the offline runs end
    /// not participating, and the evaluation completes with the finished sites. Returns how many closed.
    /// </summary>
    public async Task<int> CloseWithoutOfflineSitesAsync(CancellationToken cancellationToken)
    {
        var changes = new Changes(this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
            var now = time.GetUtcNow();
            var grace = TimeSpan.FromSeconds(_options.OfflineGraceSeconds);
            var waiting = await db.Evaluations.Include(e => e.Runs)
                .Where(e => e.Status == EvaluationStatus.Running && e.Runs.Any(r => r.Status == RunStatus.Offline))
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            var closed = 0;
            foreach (var evaluation in waiting)
            {
                var others = evaluation.Runs.Where(r => r.Status != RunStatus.Offline).ToList();
                if (others.Count == 0 || others.Any(r => !RunLifecycle.IsFinal(r.Status))
                    || others.Count(r => r.Status == RunStatus.Succeeded) < evaluation.MinSites
                    || now - others.Max(r => r.UpdatedAt) < grace)
                {
                    continue;
                }

                foreach (var run in evaluation.Runs.Where(r => r.Status == RunStatus.Offline))
                {
                    Transition(db, run, RunStatus.NotParticipating,
                        $"not participating: the node was offline from submission until {_options.OfflineGraceSeconds} s after min_sites ({evaluation.MinSites}) succeeded", now, changes);
                }

                Finalize(evaluation, now, changes);
                WaitingLog.ClosedWithoutOffline(logger, evaluation.Id, evaluation.Runs.Count(r => r.Status == RunStatus.NotParticipating));
                closed++;
            }

            await CommitAsync(db, changes, now, cancellationToken).ConfigureAwait(false);
            return closed;
        }
        finally
        {
            _gate.Release();
            changes.Publish();
        }
    }

    private static partial class WaitingLog
    {
        [LoggerMessage(411, LogLevel.Information, "Run {RunId} refused by node {Node} as busy; queued until one of its runs ends.")]
        public static partial void RequeuedBusy(ILogger logger, string runId, string node);

        [LoggerMessage(412, LogLevel.Information, "Evaluation {EvaluationId} closed without {Offline} node(s) offline since submission (min_sites reached, grace period over).")]
        public static partial void ClosedWithoutOffline(ILogger logger, string evaluationId, int offline);
    }
}
