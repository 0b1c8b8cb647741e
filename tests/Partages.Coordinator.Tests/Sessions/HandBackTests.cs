namespace Partages.Coordinator.Tests.Sessions;

/// <summary>A stopping node agent gives its unfinished run back (JobHandedBack): nothing is lost, nothing fails.</summary>
[TestFixture(TestDatabaseKind.Sqlite)]
[TestFixture(TestDatabaseKind.PostgreSql)]
public sealed class HandBackTests(TestDatabaseKind database) : EvaluatorFixture(database)
{

    [Test]
    public async Task Session_NodeHandsItsRunningRunBack_QueuedWithoutProgressAndOfferedOnItsNextSession()
    {
        var node = await Server.EnrollNodeAsync("stopping");
        var evaluation = await Evaluations.SubmitAsync(Evaluator, Bundle, Evaluations.Spec("stopping"), "stopping");
        var runId = evaluation.Runs.Single().Id;
        await using (var first = await node.ConnectAsync())
        {
            await first.ReadWelcomeAsync();
            await first.ReadOfferAsync();
            await first.AcceptAsync(runId);
            await first.SendAsync(new NodeMessage { Progress = new JobProgress { RunId = runId, Phase = JobPhase.Running, Done = 5, Total = 10 } });
            await Evaluations.WatchUntilAsync(Evaluator, evaluation.Id, e => e.Runs.Single().State == RunState.Running);

            await first.SendAsync(new NodeMessage { HandedBack = new JobHandedBack { RunId = runId, Reason = "handed back: the node agent was stopping" } });
            var queued = await Evaluations.WatchUntilAsync(Evaluator, evaluation.Id, e => e.Runs.Single().State == RunState.Queued);

            queued.State.Should().Be(EvaluationState.Running);
            queued.Runs.Single().Should().Match<Run>(r => r.Reason == "handed back: the node agent was stopping" && r.Done == 0 && r.Total == 0);
            await first.CloseAsync();
        }

        await using var second = await node.ConnectWelcomedAsync();

        (await second.ReadOfferAsync()).RunId.Should().Be(runId);
    }
}
