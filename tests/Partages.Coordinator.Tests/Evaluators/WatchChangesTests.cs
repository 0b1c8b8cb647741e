using Partages.Coordinator.Tests.Results;

namespace Partages.Coordinator.Tests.Evaluators;

/// <summary>
/// WatchEvaluation with changes_only: the whole evaluation first, then only the runs that changed, from the
/// evaluation's state in memory (LiveEvaluations); without it, whole snapshots as before (older clients).
/// </summary>
[TestFixture(TestDatabaseKind.Sqlite)]
[TestFixture(TestDatabaseKind.PostgreSql)]
public sealed class WatchChangesTests(TestDatabaseKind database) : EvaluatorFixture(database)
{
    private static readonly long[][] Site = [[10, 1, 0, 0], [2, 8, 0, 0], [0, 0, 5, 1], [0, 0, 0, 3]];

    [Test]
    public async Task WatchEvaluation_ChangesOnly_WholeFirstThenOnlyChangedRunsAddingUpToTheStoredEvaluation()
    {
        await using var sites = await AcceptedSites.StartAsync(Server, Evaluator, Bundle, Evaluations.Spec("deltas", minSites: 3), "delta-a", "delta-b", "delta-c");
        using var changes = Evaluator.WatchEvaluation(new GetEvaluationRequest { EvaluationId = sites.Evaluation.Id, ChangesOnly = true }, deadline: TestCoordinator.Deadline());
        using var whole = Evaluator.WatchEvaluation(new GetEvaluationRequest { EvaluationId = sites.Evaluation.Id }, deadline: TestCoordinator.Deadline());
        var stream = changes.ResponseStream;

        (await stream.MoveNext(CancellationToken.None)).Should().BeTrue();
        stream.Current.IsChange.Should().BeFalse();
        stream.Current.Runs.Should().HaveCount(3);
        var evaluation = stream.Current;
        // The accepts may still be committing when the watch opens: follow until every run is accepted.
        while (!evaluation.Runs.All(r => r.State == RunState.Accepted))
        {
            (await stream.MoveNext(CancellationToken.None)).Should().BeTrue();
            evaluation = EvaluationChanges.Apply(evaluation, stream.Current);
        }

        var a = sites.Sites[0];
        (await a.Node.SubmitResultAsync(a.RunId, Evaluations.SiteResult(Site))).Stored.Should().BeTrue();
        (await stream.MoveNext(CancellationToken.None)).Should().BeTrue();
        stream.Current.IsChange.Should().BeTrue();
        stream.Current.State.Should().Be(EvaluationState.Running);
        stream.Current.Runs.Select(r => (r.NodeName, r.State)).Should().Equal(("delta-a", RunState.Succeeded));
        stream.Current.Runs[0].ResultJson.Should().NotBeEmpty();
        evaluation = EvaluationChanges.Apply(evaluation, stream.Current);

        foreach (var site in sites.Sites.Skip(1))
        {
            (await site.Node.SubmitResultAsync(site.RunId, Evaluations.SiteResult(Site))).Stored.Should().BeTrue();
        }

        while (await stream.MoveNext(CancellationToken.None))
        {
            stream.Current.IsChange.Should().BeTrue();
            stream.Current.Runs.Should().NotContain(r => r.NodeName == "delta-a", "run a did not change again");
            evaluation = EvaluationChanges.Apply(evaluation, stream.Current);
        }

        evaluation.State.Should().Be(EvaluationState.Completed);
        evaluation.Should().Be(await Evaluator.GetEvaluationAsync(new GetEvaluationRequest { EvaluationId = sites.Evaluation.Id }));

        // A client that did not ask for changes gets whole snapshots, the last one the same evaluation.
        Contracts.V1.Evaluation? last = null;
        while (await whole.ResponseStream.MoveNext(CancellationToken.None))
        {
            whole.ResponseStream.Current.IsChange.Should().BeFalse();
            whole.ResponseStream.Current.Runs.Should().HaveCount(3);
            last = whole.ResponseStream.Current;
        }

        last.Should().Be(evaluation);
        // Both streams ended (their handlers returned): nothing of the evaluation is kept in memory.
        Server.App.Services.GetRequiredService<LiveEvaluations>().Holds(sites.Evaluation.Id).Should().BeFalse();
    }

    [Test]
    public async Task WatchEvaluation_ChangesOnlyOnAFinalEvaluation_OneWholeSnapshotThenEnds()
    {
        await using var sites = await AcceptedSites.StartAsync(Server, Evaluator, Bundle, Evaluations.Spec("deltas-final", minSites: 1), "delta-final");
        var site = sites.Sites[0];
        (await site.Node.SubmitResultAsync(site.RunId, Evaluations.SiteResult(Site))).Stored.Should().BeTrue();
        await Evaluations.WatchUntilAsync(Evaluator, sites.Evaluation.Id, e => e.State != EvaluationState.Running);

        using var call = Evaluator.WatchEvaluation(new GetEvaluationRequest { EvaluationId = sites.Evaluation.Id, ChangesOnly = true }, deadline: TestCoordinator.Deadline());
        var messages = new List<Contracts.V1.Evaluation>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            messages.Add(call.ResponseStream.Current);
        }

        messages.Should().ContainSingle().Which.Should().Be(await Evaluator.GetEvaluationAsync(new GetEvaluationRequest { EvaluationId = sites.Evaluation.Id }));
    }

    [Test]
    public void Apply_ChangeBeforeAnySnapshot_InvalidData()
    {
        var apply = () => EvaluationChanges.Apply(null, new Contracts.V1.Evaluation { Id = "ev_x", IsChange = true });

        apply.Should().Throw<InvalidDataException>().WithMessage("*ev_x*before its first snapshot*");
    }
}
