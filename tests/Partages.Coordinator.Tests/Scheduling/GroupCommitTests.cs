using Partages.Coordinator.Sessions;

namespace Partages.Coordinator.Tests.Scheduling;

/// <summary>
/// Session messages that queue while the scheduler's gate is held are committed together (SessionInbox.HandleAsync).
/// The gate is held by hand, so the messages are known to share one batch.
/// </summary>
public sealed class GroupCommitTests : EvaluatorFixture
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

        Task<bool> rejected, failed;
        using (await _ledger.PauseAsync())
        {
            rejected = _inbox.HandleAsync(a, new NodeMessage { Rejected = new JobRejected { RunId = runs["batch-end-a"], Reason = "no dataset" } }, CancellationToken.None);
            failed = _inbox.HandleAsync(b, new NodeMessage { Failed = new JobFailed { RunId = runs["batch-end-b"], Reason = "out of memory" } }, CancellationToken.None);
            _inbox.QueuedMessages.Should().Be(2);
        }

        (await rejected.WaitAsync(TestCoordinator.CallTimeout)).Should().BeTrue();
        (await failed.WaitAsync(TestCoordinator.CallTimeout)).Should().BeTrue();
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

        Task<bool> foreign, progress;
        using (await _ledger.PauseAsync())
        {
            // Node a reports on node b's run (not one of its own), while node b reports progress on it.
            foreign = _inbox.HandleAsync(a, new NodeMessage { Progress = new JobProgress { RunId = runs["batch-mixed-b"], Phase = JobPhase.Running, Done = 1, Total = 9 } }, CancellationToken.None);
            progress = _inbox.HandleAsync(b, new NodeMessage { Progress = new JobProgress { RunId = runs["batch-mixed-b"], Phase = JobPhase.Running, Done = 4, Total = 10 } }, CancellationToken.None);
        }

        (await foreign.WaitAsync(TestCoordinator.CallTimeout)).Should().BeTrue();
        (await progress.WaitAsync(TestCoordinator.CallTimeout)).Should().BeTrue();
        a.Outbox.TryRead(out var toA).Should().BeTrue();
        toA!.Cancel.RunId.Should().Be(runs["batch-mixed-b"]);
        b.Outbox.TryRead(out _).Should().BeFalse();
        var snapshot = await Evaluator.GetEvaluationAsync(new GetEvaluationRequest { EvaluationId = evaluation });
        var runB = snapshot.Runs.Single(r => r.NodeName == "batch-mixed-b");
        (runB.State, runB.Done, runB.Total).Should().Be((RunState.Running, 4L, 10L));
        snapshot.Runs.Single(r => r.NodeName == "batch-mixed-a").State.Should().Be(RunState.Accepted);
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
            await using var session = await node.ConnectAsync();
            await session.ReadWelcomeAsync();
            var offer = await session.ReadOfferAsync();
            await session.AcceptAsync(offer.RunId);
            runs[node.Name] = offer.RunId;
            await Evaluations.WatchUntilAsync(Evaluator, evaluation.Id, e => e.Runs.Single(r => r.NodeName == node.Name).State == RunState.Accepted);
        }

        return (evaluation.Id, runs);
    }

    /// <summary>A session object as NodeService builds one; run messages need only the node's name.</summary>
    private static NodeSession Session(string node) => new(new NodeIdentity("id-" + node, node, new string('0', 64)));
}
