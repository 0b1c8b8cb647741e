using Partages.Coordinator.Persistence;
using Partages.Coordinator.Scheduling;

namespace Partages.Coordinator.Tests.Scheduling;

/// <summary>Which waiting runs a node is offered, and the run's own state rules (RunEntity.Lifecycle).</summary>
public sealed class OfferQueueTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 2, 0, 0, TimeSpan.Zero);

    private static RunEntity Run(string id, RunStatus status) => new() { Id = id, EvaluationId = "ev", NodeName = "n", Status = status };

    [Test]
    public void NextOffers_NodeAtCapacity_OffersNothing()
    {
        OfferQueue.NextOffers([Run("run_1", RunStatus.AwaitingApproval), Run("run_2", RunStatus.Queued)], maxConcurrentRuns: 1).Should().BeEmpty();
    }

    [Test]
    public void NextOffers_FreeSlots_OldestWaitingRunsFirstUpToTheFreeSlots()
    {
        var offers = OfferQueue.NextOffers(
            [Run("run_3", RunStatus.Queued), Run("run_1", RunStatus.Running), Run("run_2", RunStatus.Offline), Run("run_4", RunStatus.Queued)],
            maxConcurrentRuns: 3);

        offers.Select(r => r.Id).Should().Equal("run_2", "run_3");
    }

    [Test]
    public void NextOffers_CapacityUnknown_OffersEveryWaitingRun()
    {
        OfferQueue.NextOffers([Run("run_1", RunStatus.Running), Run("run_2", RunStatus.Queued), Run("run_3", RunStatus.Queued)], maxConcurrentRuns: 0)
            .Should().HaveCount(2);
    }

    [Test]
    public void LearnedCapacity_BusyWithOtherRuns_TheRunsItHolds()
    {
        OfferQueue.LearnedCapacity([Run("run_1", RunStatus.Running), Run("run_2", RunStatus.Offered), Run("run_3", RunStatus.Queued)], "run_2")
            .Should().Be(1);
        OfferQueue.LearnedCapacity([Run("run_2", RunStatus.Offered)], "run_2").Should().BeNull();
    }

    [Test]
    public void MoveTo_WaitingState_StartsTheWaitClockAndLeavingItStopsIt()
    {
        var run = Run("run_1", RunStatus.Accepted);

        run.MoveTo(RunStatus.AwaitingApproval, "waiting", Now);
        var during = run.WaitingSince;
        run.MoveTo(RunStatus.Downloading, "", Now.AddHours(2));

        during.Should().Be(Now);
        run.WaitingSince.Should().BeNull();
    }

    [Test]
    public void MoveTo_FromFinalState_Throws()
    {
        var run = Run("run_1", RunStatus.NotParticipating);

        run.Invoking(r => r.MoveTo(RunStatus.Offered, "", Now)).Should().Throw<InvalidOperationException>();
    }

    [Test]
    public void PhaseAfter_AwaitingApprovalThenDownloading_MovesForwardButNotBack()
    {
        Run("run_1", RunStatus.AwaitingApproval).PhaseAfter(RunStatus.Downloading).Should().Be(RunStatus.Downloading);
        Run("run_1", RunStatus.Downloading).PhaseAfter(RunStatus.Accepted).Should().BeNull();
    }
}
