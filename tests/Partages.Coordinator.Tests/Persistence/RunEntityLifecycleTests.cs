namespace Partages.Coordinator.Tests.Persistence;

/// <summary>The run's own state rules (RunEntity.Lifecycle): which state may follow which, the wait clock, the lease, phases forward only.</summary>
public sealed class RunEntityLifecycleTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 2, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Lease = Now.AddMinutes(1);

    private static RunEntity Run(RunStatus status) => new() { Id = "run_1", EvaluationId = "ev", NodeName = "n", Status = status };

    [Test]
    public void AwaitApproval_ThenDownloading_StartsTheWaitClockAndLeavingItStopsIt()
    {
        var run = Run(RunStatus.Accepted);

        run.AwaitApproval("waiting", Now, Lease);
        var during = run.WaitingSince;
        run.ReportProgress(RunStatus.Downloading, 1, 10, RunProgressUnit.Bytes, Now.AddHours(2), Lease, out _);

        during.Should().Be(Now);
        run.WaitingSince.Should().BeNull();
        run.Status.Should().Be(RunStatus.Downloading);
    }

    [TestCase(RunStatus.Running, true)]
    [TestCase(RunStatus.AwaitingApproval, true)]
    [TestCase(RunStatus.Queued, false)]
    [TestCase(RunStatus.Offline, false)]
    [TestCase(RunStatus.Succeeded, false)]
    public void RenewLease_OnlyForARunTheNodeHolds_SetsTheLease(RunStatus status, bool renewed)
    {
        // A handed-back run is queued yet still named in the stopping node's last heartbeat: a lease would have the
        // lease monitor fail it while it waits for the node's next session.
        var run = Run(status);

        run.RenewLease(Lease);

        (run.LeaseExpiresAt == Lease).Should().Be(renewed);
    }

    [Test]
    public void Offer_FromFinalState_Throws()
    {
        var run = Run(RunStatus.NotParticipating);

        run.Invoking(r => r.Offer("", Now, Lease)).Should().Throw<InvalidOperationException>();
    }

    [TestCase(RunStatus.Queued, nameof(RunEntity.Succeed))]
    [TestCase(RunStatus.Offline, nameof(RunEntity.Succeed))]
    [TestCase(RunStatus.Running, nameof(RunEntity.LeaveOut))]
    [TestCase(RunStatus.Queued, nameof(RunEntity.WaitOffline))]
    [TestCase(RunStatus.Succeeded, nameof(RunEntity.Fail))]
    [TestCase(RunStatus.Failed, nameof(RunEntity.Requeue))]
    public void Change_FromAStateItMayNotFollow_ThrowsAndLeavesTheRunAsItWas(RunStatus from, string change)
    {
        var run = Run(from);

        run.Invoking(r => Apply(r, change)).Should().Throw<InvalidOperationException>();
        run.Status.Should().Be(from);
    }

    [TestCase(RunStatus.Offered, nameof(RunEntity.Succeed), RunStatus.Succeeded)]
    [TestCase(RunStatus.Offline, nameof(RunEntity.LeaveOut), RunStatus.NotParticipating)]
    [TestCase(RunStatus.Running, nameof(RunEntity.Fail), RunStatus.Failed)]
    [TestCase(RunStatus.Downloading, nameof(RunEntity.Requeue), RunStatus.Queued)]
    [TestCase(RunStatus.AwaitingApproval, nameof(RunEntity.Cancel), RunStatus.Cancelled)]
    public void Change_FromAnAllowedState_EntersItsStateAndReturnsTheHistoryRow(RunStatus from, string change, RunStatus expected)
    {
        var run = Run(from);
        run.RenewLease(Lease);

        var transition = Apply(run, change);

        run.Status.Should().Be(expected);
        transition.From.Should().Be(from);
        transition.Entered.Should().Match<RunStateHistoryEntity>(h => h.RunId == "run_1" && h.State == expected && h.At == Now);
        run.LeaseExpiresAt.Should().BeNull("a run that no node is running has no lease");
    }

    [Test]
    public void Accept_Offered_CountsTheAttemptOnceAndRenewsTheLease()
    {
        var run = Run(RunStatus.Offered);

        run.Accept(Now, Lease).Should().NotBeNull();
        run.Accept(Now, Lease.AddMinutes(1)).Should().BeNull("a second acceptance changes no state");

        run.Attempts.Should().Be(1);
        run.LeaseExpiresAt.Should().Be(Lease.AddMinutes(1));
    }

    [Test]
    public void PhaseAfter_AwaitingApprovalThenDownloading_MovesForwardButNotBack()
    {
        Run(RunStatus.AwaitingApproval).PhaseAfter(RunStatus.Downloading).Should().Be(RunStatus.Downloading);
        Run(RunStatus.Downloading).PhaseAfter(RunStatus.Accepted).Should().BeNull();
    }

    private static RunTransition Apply(RunEntity run, string change) => change switch
    {
        nameof(RunEntity.Succeed) => run.Succeed("{}", Partages.Coordinator.Telemetry.ReleasedFigures.None, "00", "", Now),
        nameof(RunEntity.LeaveOut) => run.LeaveOut("offline", Now),
        nameof(RunEntity.WaitOffline) => run.WaitOffline("offline", Now),
        nameof(RunEntity.Fail) => run.Fail("failed", Now),
        nameof(RunEntity.Requeue) => run.Requeue("handed back", Now),
        nameof(RunEntity.Cancel) => run.Cancel("cancelled", Now),
        _ => throw new ArgumentOutOfRangeException(nameof(change), change, null),
    };
}
