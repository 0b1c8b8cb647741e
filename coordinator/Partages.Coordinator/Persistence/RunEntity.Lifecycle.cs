using Partages.Coordinator.Scheduling;

namespace Partages.Coordinator.Persistence;

/// <summary>
/// The run's state changes, kept on the entity so that the rules (final states never change, phases only move forward,
/// when a wait starts and ends) live in one place; the scheduler decides when, the run decides what that means.
/// </summary>
public sealed partial class RunEntity
{
    /// <summary>
    /// Enters <paramref name="status"/> with its reason and returns the state-history row to store. Entering a waiting
    /// state (queued, offline, awaiting approval) starts the wait clock; leaving it stops it.
    /// </summary>
    /// <exception cref="InvalidOperationException">The run is already final: nothing may reopen or rewrite it.</exception>
    public RunStateHistoryEntity MoveTo(RunStatus status, string reason, DateTimeOffset now)
    {
        if (Status != default && RunLifecycle.IsFinal(Status))
        {
            throw new InvalidOperationException($"Run {Id} is already {RunLifecycle.Name(Status)}; it cannot become {RunLifecycle.Name(status)}.");
        }

        if (!RunLifecycle.IsWaiting(status))
        {
            WaitingSince = null;
        }
        else if (status != Status || WaitingSince is null)
        {
            WaitingSince = now;
        }

        if (RunLifecycle.IsFinal(status) || status is RunStatus.Queued or RunStatus.Offline)
        {
            // Nothing is running it any more, so nothing may expire (the evaluation's deadline still applies).
            LeaseExpiresAt = null;
        }

        Status = status;
        Reason = reason;
        UpdatedAt = now;
        return new RunStateHistoryEntity { RunId = Id, State = status, Reason = reason, At = now };
    }

    /// <summary>
    /// The phase a progress report of <paramref name="phase"/> moves the run to, or null when it stays where it is:
    /// phases only move forward (accepted → awaiting approval → downloading → running), so a late report of an earlier
    /// phase changes nothing.
    /// </summary>
    public RunStatus? PhaseAfter(RunStatus phase) =>
        RunLifecycle.PhaseRank(phase) > RunLifecycle.PhaseRank(Status) ? phase : null;

    /// <summary>Handed back, or refused by a node that was busy: waiting again, its progress starting again from zero.</summary>
    public RunStateHistoryEntity Requeue(string reason, DateTimeOffset now)
    {
        Done = 0;
        Total = 0;
        ProgressUnit = RunProgressUnit.None;
        return MoveTo(RunStatus.Queued, reason, now);
    }
}
