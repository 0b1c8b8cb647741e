namespace Partages.NodeAgent.Tests.Jobs;

/// <summary>
/// The agent host stopping (what SIGTERM and Ctrl+C trigger) with work in flight, against the fake coordinator: runs
/// finish within the grace period or are handed back, never reported failed, and the session flushes that before it
/// closes. The same with real processes and signals: tests/Partages.EndToEnd.Tests/Stopping.
/// </summary>
public sealed class GracefulStopTests : FakeCoordinatorFixture
{
    [Test]
    public async Task StopAsync_RunInFlightAndNoGracePeriod_HandsTheRunBackBeforeClosingTheSession()
    {
        var bundle = ServedBundle(1000);
        Engine.RunUntilCancelled();
        var node = await NodeUnderTest.StartAsync(Coordinator, Engine, Scratch);
        var session = await Coordinator.NextSessionAsync();
        session.Offer(Offers.For("run-s", bundle));
        await Engine.Started;

        await node.DisposeAsync();
        var handedBack = await session.NextAsync(m => m.HandedBack is not null);
        await session.Ended.WaitAsync(TestTimeouts.Default);

        handedBack.HandedBack.Should().Be(new JobHandedBack { RunId = "run-s", Reason = JobRunner.HandedBackReason });
        session.Received.Should().NotContain(m => m.Failed != null, "a stop is not a failure of the run");
        node.Logs.Entries.Select(e => e.Message).Should().Contain("Job runner stopped: 0 run(s) finished during the stop, 1 handed back to the coordinator");
    }

    [Test]
    public async Task StopAsync_RunFinishingWithinTheGracePeriod_SubmitsItsResultThenStops()
    {
        var bundle = ServedBundle(1000);
        var finish = Engine.RunUntilReleased(cancellable: false);
        var node = await NodeUnderTest.StartAsync(Coordinator, Engine, Scratch, options => options.StopGracePeriod = TimeSpan.FromMinutes(5));
        var session = await Coordinator.NextSessionAsync();
        session.Offer(Offers.For("run-g", bundle));
        await Engine.Started;

        var stopping = node.DisposeAsync().AsTask();
        await node.Logs.WaitForAsync(m => m.StartsWith("Stopping: 1 run(s) in progress get up to 300 s", StringComparison.Ordinal));
        stopping.IsCompleted.Should().BeFalse("the agent waits for the run within its grace period");
        finish.SetResult();
        var submitted = await Coordinator.NextSubmissionAsync();
        await stopping.WaitAsync(TestTimeouts.Default);

        submitted.RunId.Should().Be("run-g");
        session.Received.Should().NotContain(m => m.HandedBack != null || m.Failed != null);
        node.Logs.Entries.Select(e => e.Message).Should().Contain("Job runner stopped: 1 run(s) finished during the stop, 0 handed back to the coordinator");
    }

    [Test]
    public async Task HandleOffer_WhileTheAgentStops_HandsTheOfferBackWithoutRunningIt()
    {
        var bundle = ServedBundle(1000);
        var finish = Engine.RunUntilReleased(cancellable: false);
        var node = await NodeUnderTest.StartAsync(Coordinator, Engine, Scratch, options =>
        {
            options.StopGracePeriod = TimeSpan.FromMinutes(5);
            options.MaxConcurrentRuns = 2;
        });
        var session = await Coordinator.NextSessionAsync();
        session.Offer(Offers.For("run-1", bundle));
        await Engine.Started;
        var stopping = node.DisposeAsync().AsTask();
        await node.Logs.WaitForAsync(m => m.StartsWith("Stopping:", StringComparison.Ordinal));

        session.Offer(Offers.For("run-2", bundle));
        var handedBack = await session.NextAsync(m => m.HandedBack is not null);
        finish.SetResult();
        await stopping.WaitAsync(TestTimeouts.Default);

        handedBack.HandedBack.RunId.Should().Be("run-2");
        session.Received.Should().NotContain(m => m.Accepted != null && m.Accepted.RunId == "run-2");
    }
}
