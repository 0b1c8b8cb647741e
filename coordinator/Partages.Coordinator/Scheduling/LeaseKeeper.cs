using System.Linq.Expressions;

namespace Partages.Coordinator.Scheduling;

/// <summary>
/// The clock's part of scheduling (called by <see cref="LeaseMonitor"/>): expired leases, overdue evaluations,
/// evaluations that wait only for nodes offline since submission, the lease grace after a restart.
/// </summary>
public sealed partial class LeaseKeeper(RunLedger ledger, ILogger<LeaseKeeper> logger)
{
    /// <summary>Fails every open run whose lease has passed; returns how many.</summary>
    public Task<int> ExpireLeasesAsync(CancellationToken cancellationToken) =>
        ledger.WriteAsync(
            async write =>
            {
                var now = write.Now;
                var expired = await write.Db.Runs.Include(r => r.Evaluation).ThenInclude(e => e!.Runs)
                    .Where(r => r.LeaseExpiresAt != null && r.LeaseExpiresAt <= now && RunLifecycle.Open.Contains(r.Status))
                    .ToListAsync(cancellationToken).ConfigureAwait(false);
                foreach (var run in expired)
                {
                    write.Record(run, run.Fail($"lease expired: node {run.NodeName} stopped reporting", now));
                    // If the node is still connected but silent about this run, tell it to drop the run.
                    ledger.Send(run.NodeName, Cancel(run, "lease expired"));
                    Log.LeaseExpired(logger, run.Id, run.NodeName);
                }

                foreach (var evaluation in expired.Select(r => r.Evaluation!).Distinct())
                {
                    write.Finalize(evaluation);
                }

                await write.CommitAsync(cancellationToken).ConfigureAwait(false);
                return expired.Count;
            },
            cancellationToken);

    /// <summary>Closes every running evaluation past its deadline: its open runs fail and nodes holding them are told to stop.</summary>
    public Task<int> CloseOverdueEvaluationsAsync(CancellationToken cancellationToken) =>
        CloseEvaluationsAsync(
            now => e => e.Deadline <= now,
            (write, evaluation) =>
            {
                foreach (var run in evaluation.Runs.Where(r => !RunLifecycle.IsFinal(r.Status)))
                {
                    if (RunLifecycle.HoldsSlot(run.Status))
                    {
                        ledger.Send(run.NodeName, Cancel(run, "the evaluation's deadline passed"));
                    }

                    // A run that never started anywhere is no failure of its node, which was simply not there.
                    write.Record(run, run.Status == RunStatus.Offline
                        ? run.LeaveOut("not participating: the node stayed offline until the evaluation's deadline", write.Now)
                        : run.Fail("deadline passed before the node reported a result", write.Now));
                }

                Log.DeadlinePassed(logger, evaluation.Id);
                return true;
            },
            cancellationToken);

    /// <summary>
    /// Closes every running evaluation that waits only for nodes offline since submission, once at least min_sites of
    /// its runs succeeded and <c>OfflineGraceSeconds</c> passed since its last other run ended: the offline runs end
    /// not participating, and the evaluation completes with the finished sites. Returns how many closed.
    /// </summary>
    public Task<int> CloseWithoutOfflineSitesAsync(CancellationToken cancellationToken) =>
        CloseEvaluationsAsync(
            _ => e => e.Runs.Any(r => r.Status == RunStatus.Offline),
            (write, evaluation) =>
            {
                var graceSeconds = ledger.Options.OfflineGraceSeconds;
                var others = evaluation.Runs.Where(r => r.Status != RunStatus.Offline).ToList();
                if (others.Count == 0 || others.Any(r => !RunLifecycle.IsFinal(r.Status))
                    || others.Count(r => r.Status == RunStatus.Succeeded) < evaluation.MinSites
                    || write.Now - others.Max(r => r.UpdatedAt) < TimeSpan.FromSeconds(graceSeconds))
                {
                    return false;
                }

                var offline = evaluation.Runs.Where(r => r.Status == RunStatus.Offline).ToList();
                foreach (var run in offline)
                {
                    write.Record(run, run.LeaveOut(
                        $"not participating: the node was offline from submission until {graceSeconds} s after min_sites ({evaluation.MinSites}) succeeded", write.Now));
                }

                Log.ClosedWithoutOffline(logger, evaluation.Id, offline.Count);
                return true;
            },
            cancellationToken);

    /// <summary>
    /// The running evaluations that <paramref name="candidates"/> selects (at the operation's instant), each offered to
    /// <paramref name="close"/>, which ends its open runs and says whether it closes; returns how many closed.
    /// </summary>
    private Task<int> CloseEvaluationsAsync(
        Func<DateTimeOffset, Expression<Func<EvaluationEntity, bool>>> candidates, Func<LedgerWrite, EvaluationEntity, bool> close, CancellationToken cancellationToken) =>
        ledger.WriteAsync(
            async write =>
            {
                var running = await write.Db.Evaluations.Include(e => e.Runs)
                    .Where(e => e.Status == EvaluationStatus.Running).Where(candidates(write.Now))
                    .ToListAsync(cancellationToken).ConfigureAwait(false);
                var closed = 0;
                foreach (var evaluation in running)
                {
                    if (close(write, evaluation))
                    {
                        write.Finalize(evaluation);
                        closed++;
                    }
                }

                await write.CommitAsync(cancellationToken).ConfigureAwait(false);
                return closed;
            },
            cancellationToken);

    /// <summary>
    /// After a coordinator restart, gives every open lease at least one full lease period, so runs are not failed
    /// for the time the coordinator itself was down; nodes reconnect and renew them.
    /// </summary>
    public Task GraceLeasesAfterStartAsync(CancellationToken cancellationToken) =>
        ledger.WriteAsync(
            async write =>
            {
                var floor = write.LeaseUntil;
                var leased = await write.Db.Runs.Where(r => r.LeaseExpiresAt != null && r.LeaseExpiresAt < floor && RunLifecycle.Open.Contains(r.Status))
                    .ToListAsync(cancellationToken).ConfigureAwait(false);
                foreach (var run in leased)
                {
                    run.ExtendLease(floor);
                }

                await write.CommitAsync(cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);

    private static CoordinatorMessage Cancel(RunEntity run, string reason) => new() { Cancel = new CancelJob { RunId = run.Id, Reason = reason } };

    private static partial class Log
    {
        [LoggerMessage(403, LogLevel.Warning, "Run {RunId} failed: lease expired, node {Node} stopped reporting.")]
        public static partial void LeaseExpired(ILogger logger, string runId, string node);

        [LoggerMessage(404, LogLevel.Warning, "Evaluation {EvaluationId} passed its deadline; its open runs were failed.")]
        public static partial void DeadlinePassed(ILogger logger, string evaluationId);

        [LoggerMessage(412, LogLevel.Information, "Evaluation {EvaluationId} closed without {Offline} node(s) offline since submission (min_sites reached, grace period over).")]
        public static partial void ClosedWithoutOffline(ILogger logger, string evaluationId, int offline);
    }
}
