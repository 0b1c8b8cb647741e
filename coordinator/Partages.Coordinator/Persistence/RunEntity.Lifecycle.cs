using Partages.Coordinator.Scheduling;

namespace Partages.Coordinator.Persistence;

/// <summary>
/// The run's state changes, kept on the entity so that the rules (which state may follow which, final states never
/// change, phases only move forward, when a wait starts and ends, when a lease runs) live in one place: the scheduler
/// decides when, the run decides what that means. Each change returns the <see cref="RunTransition"/> to record (its
/// history row), or null when the run stays where it is.
/// </summary>
public sealed partial class RunEntity
{
    private RunStatus _status;

    /// <summary>A new run, offered when a slot frees at its node.</summary>
    public RunTransition Queue(DateTimeOffset now) => Enter(RunStatus.Queued, "", now, From.New);

    /// <summary>A new run whose node is not connected: it waits for it.</summary>
    public RunTransition WaitOffline(string reason, DateTimeOffset now) => Enter(RunStatus.Offline, reason, now, From.New);

    /// <summary>Sent to its node (again, after a reconnect that lost it): the node has until <paramref name="leaseUntil"/> to answer.</summary>
    public RunTransition Offer(string reason, DateTimeOffset now, DateTimeOffset leaseUntil)
    {
        var transition = Enter(RunStatus.Offered, reason, now, From.Open);
        LeaseExpiresAt = leaseUntil;
        return transition;
    }

    /// <summary>
    /// The node took the run (its acceptance, or any later news of the run when the acceptance was lost on the way):
    /// one more attempt if it had not been accepted yet, and the lease renewed.
    /// </summary>
    public RunTransition? Accept(DateTimeOffset now, DateTimeOffset leaseUntil, string reason = "")
    {
        var transition = CountAttempt() ? Enter(RunStatus.Accepted, reason, now, From.BeforeAccepted) : (RunTransition?)null;
        LeaseExpiresAt = leaseUntil;
        return transition;
    }

    /// <summary>
    /// A progress report of <paramref name="phase"/> (downloading, running, or an earlier phase): counts the attempt if
    /// the acceptance was lost, moves the phase forward only, stores the counts; <paramref name="countsChanged"/> says
    /// whether watchers have something new to see.
    /// </summary>
    public RunTransition? ReportProgress(RunStatus phase, long done, long total, RunProgressUnit unit, DateTimeOffset now, DateTimeOffset leaseUntil, out bool countsChanged)
    {
        CountAttempt();
        var transition = PhaseAfter(phase) is { } next ? Enter(next, "", now, From.Open) : (RunTransition?)null;
        countsChanged = Done != done || Total != total || ProgressUnit != unit;
        if (countsChanged)
        {
            Done = Math.Max(0, done);
            Total = Math.Max(0, total);
            ProgressUnit = unit;
            UpdatedAt = now;
        }

        LeaseExpiresAt = leaseUntil;
        return transition;
    }

    /// <summary>The node's policy asks a person: the run waits for them, its lease kept by the node's heartbeats.</summary>
    public RunTransition? AwaitApproval(string reason, DateTimeOffset now, DateTimeOffset leaseUntil)
    {
        // Its acceptance may have been lost on the way: it was accepted all the same.
        CountAttempt();
        var transition = Status != RunStatus.AwaitingApproval || Reason != reason
            ? Enter(RunStatus.AwaitingApproval, reason, now, From.Open)
            : (RunTransition?)null;
        LeaseExpiresAt = leaseUntil;
        return transition;
    }

    /// <summary>
    /// The node still holds the run: its lease runs until <paramref name="leaseUntil"/>. Only a run a node holds has a
    /// lease: a final one keeps none, and a queued one (handed back, still named in the stopping node's last heartbeat)
    /// must not get one, or the lease monitor would fail it while it waits for the node's next session.
    /// </summary>
    public void RenewLease(DateTimeOffset leaseUntil)
    {
        if (RunLifecycle.HoldsSlot(Status))
        {
            LeaseExpiresAt = leaseUntil;
        }
    }

    /// <summary>After a coordinator restart: an open lease runs at least until <paramref name="floor"/>.</summary>
    public void ExtendLease(DateTimeOffset floor)
    {
        if (LeaseExpiresAt < floor && !RunLifecycle.IsFinal(Status))
        {
            LeaseExpiresAt = floor;
        }
    }

    /// <summary>The node's released result (already checked by ResultIntake): the run succeeded. Only a run a node holds takes one.</summary>
    public RunTransition Succeed(string resultJson, Telemetry.ReleasedFigures released, string resultSha256, string manifestJson, DateTimeOffset now)
    {
        var transition = Enter(RunStatus.Succeeded, "", now, From.AtNode);
        ResultJson = resultJson;
        Released = released;
        ResultSha256 = resultSha256;
        ManifestJson = manifestJson;
        return transition;
    }

    public RunTransition Fail(string reason, DateTimeOffset now) => Enter(RunStatus.Failed, reason, now, From.Open);

    public RunTransition Cancel(string reason, DateTimeOffset now) => Enter(RunStatus.Cancelled, reason, now, From.Open);

    public RunTransition Reject(string reason, DateTimeOffset now) => Enter(RunStatus.Rejected, reason, now, From.Open);

    /// <summary>Its node stayed offline from submission on: it ends without counting as a failure of the node.</summary>
    public RunTransition LeaveOut(string reason, DateTimeOffset now) => Enter(RunStatus.NotParticipating, reason, now, From.Offline);

    /// <summary>Handed back, or refused by a node that was busy: waiting again, its progress starting again from zero.</summary>
    public RunTransition Requeue(string reason, DateTimeOffset now)
    {
        var transition = Enter(RunStatus.Queued, reason, now, From.Open);
        Done = 0;
        Total = 0;
        ProgressUnit = RunProgressUnit.None;
        return transition;
    }

    /// <summary>
    /// The phase a progress report of <paramref name="phase"/> moves the run to, or null when it stays where it is:
    /// phases only move forward (accepted → awaiting approval → downloading → running), so a late report of an earlier
    /// phase changes nothing.
    /// </summary>
    public RunStatus? PhaseAfter(RunStatus phase) =>
        RunLifecycle.PhaseRank(phase) > RunLifecycle.PhaseRank(Status) ? phase : null;

    /// <summary>Counts an attempt when the run had not been accepted yet; true if it had not.</summary>
    private bool CountAttempt()
    {
        if (RunLifecycle.PhaseRank(Status) >= RunLifecycle.PhaseRank(RunStatus.Accepted))
        {
            return false;
        }

        Attempts++;
        return true;
    }

    /// <summary>
    /// Enters <paramref name="status"/> with its reason. Entering a waiting state (queued, offline, awaiting approval)
    /// starts the wait clock; leaving it stops it.
    /// </summary>
    /// <exception cref="InvalidOperationException">The run is not in one of the states <paramref name="status"/> may follow (a final run never changes).</exception>
    private RunTransition Enter(RunStatus status, string reason, DateTimeOffset now, From allowed)
    {
        var before = Status;
        if (!Allows(allowed, before))
        {
            var from = before == default ? "new" : RunLifecycle.Name(before);
            throw new InvalidOperationException($"Run {Id} is {from}; it cannot become {RunLifecycle.Name(status)}.");
        }

        if (!RunLifecycle.IsWaiting(status))
        {
            WaitingSince = null;
        }
        else if (status != before || WaitingSince is null)
        {
            WaitingSince = now;
        }

        if (RunLifecycle.IsFinal(status) || status is RunStatus.Queued or RunStatus.Offline)
        {
            // Nothing is running it any more, so nothing may expire (the evaluation's deadline still applies).
            LeaseExpiresAt = null;
        }

        _status = status;
        Reason = reason;
        UpdatedAt = now;
        return new RunTransition(before, new RunStateHistoryEntity { RunId = Id, State = status, Reason = reason, At = now });
    }

    private static bool Allows(From allowed, RunStatus status) => allowed switch
    {
        From.New => status == default,
        From.Open => Array.IndexOf(RunLifecycle.Open, status) >= 0,
        From.BeforeAccepted => status is RunStatus.Queued or RunStatus.Offline or RunStatus.Offered,
        From.AtNode => RunLifecycle.HoldsSlot(status),
        From.Offline => status == RunStatus.Offline,
        _ => false,
    };

    /// <summary>The states a change may start from.</summary>
    private enum From
    {
        New,
        Open,
        BeforeAccepted,
        AtNode,
        Offline,
    }
}

/// <summary>A run's change of state: the state it left, and the history row of the state it entered (stored by the scheduler).</summary>
public readonly record struct RunTransition(RunStatus From, RunStateHistoryEntity Entered);
