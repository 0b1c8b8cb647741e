namespace Partages.Coordinator.Tests.Scheduling;

/// <summary>
/// What an evaluator sees while runs wait (issue 13, "Visible lifecycle"): awaiting a hospital's approval, queued for a
/// busy node, offline since submission; and what a cancelled evaluation keeps. The coordinator's clock is driven by
/// hand, so the offline grace period passes without waiting.
/// </summary>
[TestFixture(TestDatabaseKind.Sqlite)]
[TestFixture(TestDatabaseKind.PostgreSql)]
public sealed class VisibleLifecycleTests(TestDatabaseKind database) : EvaluatorFixture(database)
{
    private static readonly long[][] Diagonal = [[3, 0, 0, 0], [0, 3, 0, 0], [0, 0, 3, 0], [0, 0, 0, 3]];

    protected override string[] Settings =>
    [
        "--Coordinator:LeaseCheckIntervalSeconds=1",
        "--Coordinator:OfflineGraceSeconds=30",
    ];

    protected override string EvaluatorName => "lifecycle-evaluator";

    [Test]
    public async Task Session_NodeAwaitsManualApproval_RunAwaitingApprovalSinceThenDownloadingOnceApproved()
    {
        await using var accepted = await AcceptedRunAsync("approval-wait");
        var (_, session, evaluation, runId) = accepted;
        var askedAt = Server.Time.GetUtcNow();

        await session.SendAsync(new NodeMessage { AwaitingApproval = new JobAwaitingApproval { RunId = runId, Stage = JobApprovalStage.Run } });
        var waiting = (await Evaluations.WatchUntilAsync(Evaluator, evaluation.Id, e => e.Runs.Single().State == RunState.AwaitingApproval)).Runs.Single();
        await session.SendAsync(new NodeMessage { Progress = new JobProgress { RunId = runId, Phase = JobPhase.Downloading, Done = 10, Total = 100 } });
        var approved = (await Evaluations.WatchUntilAsync(Evaluator, evaluation.Id, e => e.Runs.Single().State == RunState.Downloading)).Runs.Single();

        waiting.Reason.Should().Be("waiting for the hospital to approve the run");
        waiting.WaitingSince.ToDateTimeOffset().Should().BeCloseTo(askedAt, TimeSpan.FromMilliseconds(1), "the instant the node said it waits (stored to the database's precision)");
        approved.WaitingSince.Should().BeNull("the wait is over once the node moves on");
    }

    [Test]
    public async Task Session_OperatorRejectsWaitingRun_RunRejectedWithTheGenericReason()
    {
        await using var accepted = await AcceptedRunAsync("approval-no");
        var (_, session, evaluation, runId) = accepted;
        await session.SendAsync(new NodeMessage { AwaitingApproval = new JobAwaitingApproval { RunId = runId, Stage = JobApprovalStage.Run } });
        await Evaluations.WatchUntilAsync(Evaluator, evaluation.Id, e => e.Runs.Single().State == RunState.AwaitingApproval);

        await session.SendAsync(new NodeMessage { Rejected = new JobRejected { RunId = runId, Reason = "the hospital rejected the job" } });
        var final = await Evaluations.WatchUntilAsync(Evaluator, evaluation.Id, e => e.State != EvaluationState.Running);

        final.State.Should().Be(EvaluationState.Failed);
        final.Runs.Single().Should().Match<Run>(r => r.State == RunState.Rejected && r.Reason == "the hospital rejected the job" && r.WaitingSince == null);
    }

    [Test]
    public async Task SubmitEvaluation_SecondEvaluationToNodeAtCapacity_QueuedUntilTheFirstRunEndsThenOffered()
    {
        await using var accepted = await AcceptedRunAsync("one-slot", spec: "first-in");
        var (node, session, first, firstRun) = accepted;

        var second = await Evaluations.SubmitAsync(Evaluator, Bundle, Evaluations.Spec("second-in"), "one-slot");
        second.Runs.Single().State.Should().Be(RunState.Queued, "the node announced max_concurrent_runs: 1 and holds a run");
        second.Runs.Single().WaitingSince.Should().NotBeNull();
        (await node.SubmitResultAsync(firstRun, Evaluations.SiteResult(Diagonal))).Stored.Should().BeTrue();

        (await session.ReadOfferAsync()).RunId.Should().Be(second.Runs.Single().Id, "the slot freed by the first run goes to the queued one");
        (await Evaluator.GetEvaluationAsync(new GetEvaluationRequest { EvaluationId = first.Id })).State.Should().Be(EvaluationState.Completed);
        (await Evaluations.WatchUntilAsync(Evaluator, second.Id, e => e.Runs.Single().State == RunState.Offered)).Runs.Single().WaitingSince.Should().BeNull();
    }

    [Test]
    public async Task Session_NodeRefusesOfferAsBusy_RunQueuedAgainAndOfferedWhenItsOtherRunEnds()
    {
        // A node that does not announce its capacity: the coordinator learns it from the refusal.
        await using var accepted = await AcceptedRunAsync("busy-unknown", spec: "busy-a", maxConcurrentRuns: 0);
        var (node, session, _, runA) = accepted;
        var b = await Evaluations.SubmitAsync(Evaluator, Bundle, Evaluations.Spec("busy-b"), "busy-unknown");
        var runB = (await session.ReadOfferAsync()).RunId;

        await session.SendAsync(new NodeMessage { Rejected = new JobRejected { RunId = runB, Reason = OfferQueue.BusyReason } });
        var queued = (await Evaluations.WatchUntilAsync(Evaluator, b.Id, e => e.Runs.Single().State == RunState.Queued)).Runs.Single();
        (await node.SubmitResultAsync(runA, Evaluations.SiteResult(Diagonal))).Stored.Should().BeTrue();

        queued.Reason.Should().Be(OfferQueue.RequeuedBusyReason);
        (await session.ReadOfferAsync()).RunId.Should().Be(runB);
    }

    [Test]
    public async Task SubmitEvaluation_NodeOffline_RunListedOfflineAndOfferedWhenItConnects()
    {
        var node = await Server.EnrollNodeAsync("late-node");
        var evaluation = await Evaluations.SubmitAsync(Evaluator, Bundle, Evaluations.Spec("late-node"), "late-node");

        evaluation.Runs.Single().Should().Match<Run>(r => r.State == RunState.Offline && r.Reason == EvaluationSubmission.OfflineAtSubmission && r.WaitingSince != null);
        await using var session = await node.ConnectWelcomedAsync();
        (await session.ReadOfferAsync()).RunId.Should().Be(evaluation.Runs.Single().Id);
    }

    [Test]
    public async Task GetEvaluationApi_NodeOffline_RunStateOfflineWithWaitingSinceInSnakeCase()
    {
        await Server.EnrollNodeAsync("api-offline");
        var evaluation = await Evaluations.SubmitAsync(Evaluator, Bundle, Evaluations.Spec("api-offline"), "api-offline");
        using var client = new HttpClient(new SocketsHttpHandler { SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = TestPki.TrustOnly(Server.CaCertificate) } })
        {
            BaseAddress = Server.Address,
        };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);

        using var document = JsonDocument.Parse(await client.GetStringAsync(new Uri($"/api/v1/evaluations/{evaluation.Id}", UriKind.Relative)));

        var run = document.RootElement.GetProperty("runs")[0];
        run.GetProperty("state").GetString().Should().Be("offline");
        run.GetProperty("waiting_since").GetDateTimeOffset().Should().BeCloseTo(evaluation.Runs.Single().WaitingSince.ToDateTimeOffset(), TimeSpan.FromMilliseconds(1));
        run.GetProperty("history")[0].GetProperty("state").GetString().Should().Be("offline");
    }

    [Test]
    public async Task LeaseMonitor_OfflineNodeOnceMinSitesSucceeded_EvaluationCompletesWithoutItAfterTheGracePeriod()
    {
        var present = await Server.EnrollNodeAsync("grace-present");
        await Server.EnrollNodeAsync("grace-absent");
        await using var session = await present.ConnectWelcomedAsync();
        var evaluation = await Evaluations.SubmitAsync(Evaluator, Bundle, Evaluations.Spec("grace", minSites: 1), "grace-present", "grace-absent");
        var runId = (await session.ReadOfferAsync()).RunId;
        (await present.SubmitResultAsync(runId, Evaluations.SiteResult(Diagonal))).Stored.Should().BeTrue();

        await Server.AdvanceAndCheckAsync(TimeSpan.FromSeconds(29));
        var withinGrace = await Evaluator.GetEvaluationAsync(new GetEvaluationRequest { EvaluationId = evaluation.Id });
        await Server.AdvanceAndCheckAsync(TimeSpan.FromSeconds(2));
        var final = await Evaluations.WatchUntilAsync(Evaluator, evaluation.Id, e => e.State != EvaluationState.Running);

        withinGrace.State.Should().Be(EvaluationState.Running, "the grace period of 30 s has not passed");
        withinGrace.Runs.Single(r => r.NodeName == "grace-absent").State.Should().Be(RunState.Offline);
        final.State.Should().Be(EvaluationState.Completed);
        final.IncludedSites.Should().Equal("grace-present");
        final.MissingSites.Should().Equal("grace-absent");
        final.Runs.Single(r => r.NodeName == "grace-absent").State.Should().Be(RunState.NotParticipating);
        var pooled = ResultJson.DeserializePooled(final.PooledResultJson);
        pooled.Pooled.Should().NotBeNull();
        pooled.MissingSites.Single().Reason.Should().StartWith("not participating: the node was offline from submission");
    }

    [Test]
    public async Task CancelEvaluation_FewerThanMinSitesSucceeded_CancelledWithoutPooledResult()
    {
        var (evaluationId, _) = await OneOfTwoSucceededAsync("cancel-early", minSites: 2);

        var cancelled = await Evaluator.CancelEvaluationAsync(new CancelEvaluationRequest { EvaluationId = evaluationId, Reason = "wrong bundle" });

        cancelled.State.Should().Be(EvaluationState.Cancelled);
        var pooled = ResultJson.DeserializePooled(cancelled.PooledResultJson);
        pooled.Pooled.Should().BeNull("1 site succeeded and min_sites is 2");
        pooled.PerSite.Keys.Should().Equal("cancel-early-a");
    }

    [Test]
    public async Task CancelEvaluation_MinSitesSucceeded_CancelledWithPooledResult()
    {
        var (evaluationId, _) = await OneOfTwoSucceededAsync("cancel-late", minSites: 1);

        var cancelled = await Evaluator.CancelEvaluationAsync(new CancelEvaluationRequest { EvaluationId = evaluationId });

        cancelled.State.Should().Be(EvaluationState.Cancelled);
        ResultJson.DeserializePooled(cancelled.PooledResultJson).Pooled.Should().NotBeNull();
        cancelled.IncludedSites.Should().Equal("cancel-late-a");
    }

    /// <summary>Two connected nodes; the first stores a result, the second holds its run accepted.</summary>
    private async Task<(string EvaluationId, string OpenRunId)> OneOfTwoSucceededAsync(string prefix, int minSites)
    {
        var a = await Server.EnrollNodeAsync(prefix + "-a");
        var b = await Server.EnrollNodeAsync(prefix + "-b");
        var sessionA = await a.ConnectAsync();
        var sessionB = await b.ConnectAsync();
        await sessionA.ReadWelcomeAsync();
        await sessionB.ReadWelcomeAsync();
        var evaluation = await Evaluations.SubmitAsync(Evaluator, Bundle, Evaluations.Spec(prefix, minSites: minSites), prefix + "-a", prefix + "-b");
        var runA = (await sessionA.ReadOfferAsync()).RunId;
        var runB = (await sessionB.ReadOfferAsync()).RunId;
        await sessionB.AcceptAsync(runB);
        (await a.SubmitResultAsync(runA, Evaluations.SiteResult(Diagonal))).Stored.Should().BeTrue();
        await Evaluations.WatchUntilAsync(Evaluator, evaluation.Id, e => e.Runs.Any(r => r.State == RunState.Succeeded) && e.Runs.Any(r => r.State == RunState.Accepted));
        return (evaluation.Id, runB);
    }
}
