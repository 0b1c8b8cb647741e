using Partages.Coordinator.Sessions;

namespace Partages.Coordinator.Tests.Scheduling;

/// <summary>
/// Session messages that queue while the scheduler's gate is held are committed together (SessionInbox.HandleAsync).
/// The gate is held by hand, so the messages are known to share one batch.
/// </summary>
[TestFixture(TestDatabaseKind.Sqlite)]
[TestFixture(TestDatabaseKind.PostgreSql)]
public sealed class GroupCommitTests(TestDatabaseKind database) : EvaluatorFixture(database)
{
    private SessionInbox _inbox = null!;
    private RunLedger _ledger = null!;

    [OneTimeSetUp]
    public void Prepare()
    {
        _inbox = Server.App.Services.GetRequiredService<SessionInbox>();
        _ledger = Server.App.Services.GetRequiredService<RunLedger>();
    }

    [Test]
    public async Task HandleAsync_LastTwoRunsEndInOneBatch_EvaluationClosesWithBoth()
    {
        var (evaluation, runs) = await AcceptedRunsAsync("batch-end", "batch-end-a", "batch-end-b");
        using var a = Session("batch-end-a");
        using var b = Session("batch-end-b");

        var applied = await HandleInOneBatchAsync(
            (a, new NodeMessage { Rejected = new JobRejected { RunId = runs["batch-end-a"], Reason = "no dataset" } }),
            (b, new NodeMessage { Failed = new JobFailed { RunId = runs["batch-end-b"], Reason = "out of memory" } }));

        applied.Should().Equal(true, true);
        var final = await Evaluations.WatchUntilAsync(Evaluator, evaluation, e => e.State != EvaluationState.Running);
        final.State.Should().Be(EvaluationState.Failed);
        final.Runs.Select(r => (r.NodeName, r.State, r.Reason)).Should().BeEquivalentTo(
        [
            ("batch-end-a", RunState.Rejected, "no dataset"),
            ("batch-end-b", RunState.Failed, "out of memory"),
        ]);
        final.MissingSites.Should().Equal("batch-end-a", "batch-end-b");
        ResultJson.DeserializePooled(final.PooledResultJson).MissingSites.Should().HaveCount(2);
    }

    [Test]
    public async Task HandleAsync_ForeignRunInBatch_OnlyItsSenderToldAndOthersCommitted()
    {
        var (evaluation, runs) = await AcceptedRunsAsync("batch-mixed", "batch-mixed-a", "batch-mixed-b");
        using var a = Session("batch-mixed-a");
        using var b = Session("batch-mixed-b");

        // Node a reports on node b's run (not one of its own), while node b reports progress on it.
        var applied = await HandleInOneBatchAsync(
            (a, new NodeMessage { Progress = new JobProgress { RunId = runs["batch-mixed-b"], Phase = JobPhase.Running, Done = 1, Total = 9 } }),
            (b, new NodeMessage { Progress = new JobProgress { RunId = runs["batch-mixed-b"], Phase = JobPhase.Running, Done = 4, Total = 10 } }));

        applied.Should().Equal(true, true);
        a.Outbox.TryRead(out var toA).Should().BeTrue();
        toA!.Cancel.RunId.Should().Be(runs["batch-mixed-b"]);
        b.Outbox.TryRead(out _).Should().BeFalse();
        var snapshot = await Evaluator.GetEvaluationAsync(new GetEvaluationRequest { EvaluationId = evaluation });
        var runB = snapshot.Runs.Single(r => r.NodeName == "batch-mixed-b");
        (runB.State, runB.Done, runB.Total).Should().Be((RunState.Running, 4L, 10L));
        snapshot.Runs.Single(r => r.NodeName == "batch-mixed-a").State.Should().Be(RunState.Accepted);
    }

    [Test]
    public async Task SubmitResultAsync_LastResultsAndADuplicateInOneBatch_EvaluationClosesCountingEachSiteOnce()
    {
        var (evaluation, runs) = await AcceptedRunsAsync("batch-results", "batch-results-a", "batch-results-b");
        var results = Server.App.Services.GetRequiredService<ResultAcceptance>();
        var nodes = (await Server.App.Services.GetRequiredService<CoordinatorReadModel>().NodesAsync(CancellationToken.None))
            .ToDictionary(n => n.Name, n => new NodeIdentity(n.Id, n.Name, new string('0', 64)));
        var json = new Dictionary<string, string>
        {
            ["batch-results-a"] = Evaluations.SiteResult([[3, 1, 0, 0], [0, 2, 0, 0], [0, 0, 4, 0], [0, 0, 0, 1]]),
            ["batch-results-b"] = Evaluations.SiteResult([[1, 0, 0, 0], [0, 5, 0, 0], [0, 1, 2, 0], [0, 0, 0, 2]]),
        };

        Task<bool> Submit(string node) =>
            results.SubmitResultAsync(nodes[node], runs[node], json[node], ContentHash.Of(json[node]), "", null, CancellationToken.None);

        var submitted = new List<Task<bool>>();
        using (await _ledger.PauseAsync())
        {
            submitted.AddRange([Submit("batch-results-a"), Submit("batch-results-b"), Submit("batch-results-a")]);
            results.QueuedResults.Should().Be(3);
        }

        (await Task.WhenAll(submitted).WaitAsync(TestCoordinator.CallTimeout)).Should().Equal(true, true, false);
        var final = await Evaluations.WatchUntilAsync(Evaluator, evaluation, e => e.State != EvaluationState.Running);
        final.State.Should().Be(EvaluationState.Completed);
        final.IncludedSites.Should().Equal("batch-results-a", "batch-results-b");
        ResultJson.DeserializePooled(final.PooledResultJson).Pooled!.NDocuments.Should().Be(11 + 11);
    }

    /// <summary>Enrolls the nodes, submits an evaluation to them, and has each accept its run over a real session (then closed).</summary>
    private async Task<(string Evaluation, Dictionary<string, string> Runs)> AcceptedRunsAsync(string name, params string[] nodes)
    {
        var enrolled = new List<TestNode>();
        foreach (var node in nodes)
        {
            enrolled.Add(await Server.EnrollNodeAsync(node));
        }

        var evaluation = await Evaluations.SubmitAsync(Evaluator, Bundle, Evaluations.Spec(name, minSites: nodes.Length), nodes);
        var runs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var node in enrolled)
        {
            await using var session = await node.ConnectWelcomedAsync();
            var offer = await session.ReadOfferAsync();
            await session.AcceptAsync(offer.RunId);
            runs[node.Name] = offer.RunId;
            await Evaluations.WatchUntilAsync(Evaluator, evaluation.Id, e => e.Runs.Single(r => r.NodeName == node.Name).State == RunState.Accepted);
        }

        return (evaluation.Id, runs);
    }

    /// <summary>Queues the messages while the gate is held, so they are applied in one batch; returns what each caller got back.</summary>
    private async Task<bool[]> HandleInOneBatchAsync(params (NodeSession Session, NodeMessage Message)[] messages)
    {
        var handled = new List<Task<bool>>();
        using (await _ledger.PauseAsync())
        {
            handled.AddRange(messages.Select(m => _inbox.HandleAsync(m.Session, m.Message, CancellationToken.None)));
            _inbox.QueuedMessages.Should().Be(messages.Length);
        }

        return await Task.WhenAll(handled).WaitAsync(TestCoordinator.CallTimeout);
    }

    /// <summary>A session object as NodeService builds one; run messages need only the node's name.</summary>
    private static NodeSession Session(string node) => new(new NodeIdentity("id-" + node, node, new string('0', 64)));
}
