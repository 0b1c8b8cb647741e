namespace Partages.Coordinator.Tests.Scheduling;

/// <summary>Which waiting runs a node is offered (the run's own state rules: Persistence/RunEntityLifecycleTests).</summary>
public sealed class OfferQueueTests
{
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
}
