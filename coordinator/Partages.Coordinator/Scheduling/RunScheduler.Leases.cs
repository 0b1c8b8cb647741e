using Microsoft.EntityFrameworkCore;
using Partages.Contracts.V1;
using Partages.Coordinator.Persistence;

namespace Partages.Coordinator.Scheduling;

/// <summary>The clock's part of the scheduler (called by <see cref="LeaseMonitor"/>): expired leases, overdue evaluations, the lease grace after a restart.</summary>
public sealed partial class RunScheduler
{
    /// <summary>Fails every open run whose lease has passed; returns how many.</summary>
    public async Task<int> ExpireLeasesAsync(CancellationToken cancellationToken)
    {
        var changes = new Changes(this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
            var now = time.GetUtcNow();
            var expired = await db.Runs.Include(r => r.Evaluation).ThenInclude(e => e!.Runs)
                .Where(r => r.LeaseExpiresAt != null && r.LeaseExpiresAt <= now && RunLifecycle.Open.Contains(r.Status))
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            foreach (var run in expired)
            {
                Fail(db, run, $"lease expired: node {run.NodeName} stopped reporting", now, changes);
                // If the node is still connected but silent about this run, tell it to drop the run.
                sessions.TrySend(run.NodeName, new CoordinatorMessage { Cancel = new CancelJob { RunId = run.Id, Reason = "lease expired" } });
                Log.LeaseExpired(logger, run.Id, run.NodeName);
            }

            foreach (var evaluation in expired.Select(r => r.Evaluation!).Distinct())
            {
                Finalize(evaluation, now, changes);
            }

            await CommitAsync(db, changes, now, cancellationToken).ConfigureAwait(false);
            return expired.Count;
        }
        finally
        {
            _gate.Release();
            changes.Publish();
        }
    }

    /// <summary>Closes every running evaluation past its deadline: its open runs fail and nodes holding them are told to stop.</summary>
    public async Task<int> CloseOverdueEvaluationsAsync(CancellationToken cancellationToken)
    {
        var changes = new Changes(this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
            var now = time.GetUtcNow();
            var overdue = await db.Evaluations.Include(e => e.Runs)
                .Where(e => e.Status == EvaluationStatus.Running && e.Deadline <= now)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            foreach (var evaluation in overdue)
            {
                foreach (var run in evaluation.Runs.Where(r => !RunLifecycle.IsFinal(r.Status)))
                {
                    if (RunLifecycle.AtNode.Contains(run.Status))
                    {
                        sessions.TrySend(run.NodeName, new CoordinatorMessage { Cancel = new CancelJob { RunId = run.Id, Reason = "the evaluation's deadline passed" } });
                    }

                    if (run.Status == RunStatus.Offline)
                    {
                        // It never started anywhere: not a failure of the node, which was simply not there.
                        Transition(db, run, RunStatus.NotParticipating, "not participating: the node stayed offline until the evaluation's deadline", now, changes);
                    }
                    else
                    {
                        Fail(db, run, "deadline passed before the node reported a result", now, changes);
                    }
                }

                Finalize(evaluation, now, changes);
                Log.DeadlinePassed(logger, evaluation.Id);
            }

            await CommitAsync(db, changes, now, cancellationToken).ConfigureAwait(false);
            return overdue.Count;
        }
        finally
        {
            _gate.Release();
            changes.Publish();
        }
    }

    /// <summary>
    /// After a coordinator restart, gives every open lease at least one full lease period, so runs are not failed
    /// for the time the coordinator itself was down; nodes reconnect and renew them.
    /// </summary>
    public async Task GraceLeasesAfterStartAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
            var floor = time.GetUtcNow() + Lease;
            var leased = await db.Runs.Where(r => r.LeaseExpiresAt != null && r.LeaseExpiresAt < floor && RunLifecycle.Open.Contains(r.Status))
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            foreach (var run in leased)
            {
                run.LeaseExpiresAt = floor;
            }

            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }
}
