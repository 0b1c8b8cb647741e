namespace Partages.Coordinator.Tests.Scheduling;

/// <summary>Leases and deadlines, driven by the coordinator's clock (advanced by hand, no waiting).</summary>
[TestFixture(TestDatabaseKind.Sqlite)]
[TestFixture(TestDatabaseKind.PostgreSql)]
public sealed class LeaseMonitorTests(TestDatabaseKind database) : EvaluatorFixture(database)
{
    protected override string[] Settings =>
    [
        "--Coordinator:LeaseSeconds=5",
        "--Coordinator:HeartbeatIntervalSeconds=2",
        "--Coordinator:LeaseCheckIntervalSeconds=1",
    ];

    protected override string EvaluatorName => "lease-evaluator";

    [Test]
    public async Task LeaseMonitor_NodeStopsReporting_RunFailedAndEvaluationFinal()
    {
        var node = await Server.EnrollNodeAsync("silent");
        var evaluation = await Evaluations.SubmitAsync(Evaluator, Bundle, Evaluations.Spec("silent"), "silent");
        await using (var session = await node.ConnectAsync())
        {
            var welcome = await session.ReadWelcomeAsync();
            welcome.LeaseSeconds.Should().Be(5);
            welcome.HeartbeatIntervalSeconds.Should().Be(2);
            var offer = await session.ReadOfferAsync();
            await session.AcceptAsync(offer.RunId);
            await Evaluations.WatchUntilAsync(Evaluator, evaluation.Id, e => e.Runs.Single().State == RunState.Accepted);
            await session.CloseAsync();
        }

        Server.Time.Advance(TimeSpan.FromSeconds(6));

        var final = await Evaluations.WatchUntilAsync(Evaluator, evaluation.Id, e => e.State != EvaluationState.Running);
        final.State.Should().Be(EvaluationState.Failed);
        final.Runs.Single().State.Should().Be(RunState.Failed);
        final.Runs.Single().Reason.Should().Be("lease expired: node silent stopped reporting");
        final.MissingSites.Should().Equal("silent");
        final.Reason.Should().Contain("min_sites is 1");
        var pooled = ResultJson.DeserializePooled(final.PooledResultJson);
        pooled.Pooled.Should().BeNull();
        pooled.MissingSites.Single().Reason.Should().Be("failed: lease expired: node silent stopped reporting");
    }

    [Test]
    public async Task Heartbeat_ActiveRun_RenewsLease()
    {
        var node = await Server.EnrollNodeAsync("beating");
        // Two slots, so both runs are offered at once (one slot would queue run B at the coordinator).
        node.MaxConcurrentRuns = 2;
        // Run A is kept alive by heartbeats alone; run B's progress reports serve as a visible marker that the
        // session's earlier messages (the heartbeats) have been applied.
        var evaluationA = await Evaluations.SubmitAsync(Evaluator, Bundle, Evaluations.Spec("beating-a"), "beating");
        var evaluationB = await Evaluations.SubmitAsync(Evaluator, Bundle, Evaluations.Spec("beating-b"), "beating");
        await using var session = await node.ConnectWelcomedAsync();
        var offers = new[] { await session.ReadOfferAsync(), await session.ReadOfferAsync() };
        var runA = offers.Single(o => o.EvaluationId == evaluationA.Id).RunId;
        var runB = offers.Single(o => o.EvaluationId == evaluationB.Id).RunId;
        await session.AcceptAsync(runA);
        await session.AcceptAsync(runB);
        await Evaluations.WatchUntilAsync(Evaluator, evaluationB.Id, e => e.Runs.Single().State == RunState.Accepted);

        // Three lease periods pass in 4-second steps, a heartbeat in each: without renewal run A would have expired at 5 s.
        for (var i = 1; i <= 3; i++)
        {
            await Server.AdvanceAndCheckAsync(TimeSpan.FromSeconds(4));
            await session.HeartbeatAsync(runA, runB);
            await session.SendAsync(new NodeMessage { Progress = new JobProgress { RunId = runB, Phase = JobPhase.Running, Done = i, Total = 3 } });
            await Evaluations.WatchUntilAsync(Evaluator, evaluationB.Id, e => e.Runs.Single().Done == i);
        }

        await Server.AdvanceAndCheckAsync(TimeSpan.FromSeconds(1));
        var alive = await Evaluator.GetEvaluationAsync(new GetEvaluationRequest { EvaluationId = evaluationA.Id });
        alive.State.Should().Be(EvaluationState.Running);
        alive.Runs.Single().State.Should().Be(RunState.Accepted);
        await node.SubmitResultAsync(runA, Evaluations.SiteResult([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]));
        (await Evaluations.WatchUntilAsync(Evaluator, evaluationA.Id, e => e.State != EvaluationState.Running)).State.Should().Be(EvaluationState.Completed);
    }

    [Test]
    public async Task LeaseMonitor_DeadlinePassed_OfflineRunNotParticipatingAndEvaluationClosed()
    {
        await Server.EnrollNodeAsync("never-online");
        var evaluation = await Evaluations.SubmitAsync(Evaluator, Bundle, Evaluations.Spec("too-late", deadlineMinutes: 1), "never-online");

        Server.Time.Advance(TimeSpan.FromSeconds(61));

        var final = await Evaluations.WatchUntilAsync(Evaluator, evaluation.Id, e => e.State != EvaluationState.Running);
        final.State.Should().Be(EvaluationState.Failed);
        final.Runs.Single().State.Should().Be(RunState.NotParticipating, "the node was offline from submission: it never had the run to fail");
        final.Runs.Single().Reason.Should().Contain("deadline");
    }
}
