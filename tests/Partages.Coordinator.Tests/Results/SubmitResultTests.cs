namespace Partages.Coordinator.Tests.Results;

[TestFixture(TestDatabaseKind.Sqlite)]
[TestFixture(TestDatabaseKind.PostgreSql)]
public sealed class SubmitResultTests(TestDatabaseKind database) : EvaluatorFixture(database)
{
    private static readonly long[][] SiteA = [[10, 1, 0, 0], [2, 8, 0, 0], [0, 0, 5, 1], [0, 0, 0, 3]];
    private static readonly long[][] SiteB = [[7, 0, 0, 1], [0, 4, 1, 0], [0, 2, 9, 0], [1, 0, 0, 6]];

    [Test]
    public async Task SubmitResult_TwoSites_PooledConfusionMatrixIsTheirSum()
    {
        await using var sites = await AcceptedSites.StartAsync(Server, Evaluator, Bundle, Evaluations.Spec("pool", minSites: 2), "pool-a", "pool-b");
        var (evaluation, a, b) = (sites.Evaluation, sites.Sites[0], sites.Sites[1]);

        (await a.Node.SubmitResultAsync(a.RunId, Evaluations.SiteResult(SiteA))).Stored.Should().BeTrue();
        (await b.Node.SubmitResultAsync(b.RunId, Evaluations.SiteResult(SiteB))).Stored.Should().BeTrue();

        var final = await Evaluations.WatchUntilAsync(Evaluator, evaluation.Id, e => e.State != EvaluationState.Running);
        final.State.Should().Be(EvaluationState.Completed);
        final.IncludedSites.Should().Equal("pool-a", "pool-b");
        final.MissingSites.Should().BeEmpty();
        final.CompletedAt.Should().NotBeNull();
        var pooled = ResultJson.DeserializePooled(final.PooledResultJson);
        var expected = SiteA.Zip(SiteB, (x, y) => x.Zip(y, (p, q) => p + q).ToArray()).ToArray();
        pooled.Pooled!.ConfusionMatrix.Matrix.Should().BeEquivalentTo(expected, o => o.WithStrictOrdering());
        pooled.Pooled.NDocuments.Should().Be(SiteA.Sum(r => r.Sum()) + SiteB.Sum(r => r.Sum()));
        pooled.PerSite.Keys.Should().Equal("pool-a", "pool-b");
        final.Runs.Should().OnlyContain(r => r.State == RunState.Succeeded && r.ResultJson.Length > 0);
        // Taken from the result at intake (the nodes here never reported progress): the documents each site read.
        final.Runs.Select(r => (r.Done, r.Total, r.ProgressUnit)).Should().Equal(
            (SiteA.Sum(r => r.Sum()), SiteA.Sum(r => r.Sum()), ProgressUnit.Documents), (SiteB.Sum(r => r.Sum()), SiteB.Sum(r => r.Sum()), ProgressUnit.Documents));
    }

    [Test]
    public async Task SubmitResult_Duplicate_StoredFalseAndCountedOnce()
    {
        var (node, runId, evaluationId) = await OfferedRunAsync("dup", minSites: 1, "dup-a", "dup-b");
        var json = Evaluations.SiteResult(SiteA);

        var first = await node.SubmitResultAsync(runId, json);
        var second = await node.SubmitResultAsync(runId, json);
        var different = async () => await node.SubmitResultAsync(runId, Evaluations.SiteResult(SiteB));

        first.Stored.Should().BeTrue();
        second.Stored.Should().BeFalse();
        (await different.Should().ThrowAsync<RpcException>()).Which.StatusCode.Should().Be(StatusCode.AlreadyExists);
        await Evaluator.CancelEvaluationAsync(new CancelEvaluationRequest { EvaluationId = evaluationId, Reason = "close to pool what we have" });
        var final = await Evaluator.GetEvaluationAsync(new GetEvaluationRequest { EvaluationId = evaluationId });
        var pooled = ResultJson.DeserializePooled(final.PooledResultJson);
        pooled.Pooled!.ConfusionMatrix.Matrix.Should().BeEquivalentTo(SiteA, o => o.WithStrictOrdering());
        pooled.MissingSites.Select(m => m.Site).Should().Equal("dup-b");
    }

    [Test]
    public async Task SubmitResult_FromAnotherNode_PermissionDenied()
    {
        var (_, runId, _) = await OfferedRunAsync("foreign-run", minSites: 1, "owner-node");
        var other = await Server.EnrollNodeAsync("other-node");

        var submit = async () => await other.SubmitResultAsync(runId, Evaluations.SiteResult(SiteA));

        (await submit.Should().ThrowAsync<RpcException>()).Which.StatusCode.Should().Be(StatusCode.PermissionDenied);
    }

    [Test]
    public async Task SubmitResult_HashDoesNotMatch_InvalidArgumentAndRunUntouched()
    {
        var (node, runId, evaluationId) = await OfferedRunAsync("bad-hash", minSites: 1, "bad-hash-a");

        var submit = async () => await node.SubmitResultAsync(runId, Evaluations.SiteResult(SiteA), sha256: new string('f', 64));

        (await submit.Should().ThrowAsync<RpcException>()).Which.StatusCode.Should().Be(StatusCode.InvalidArgument);
        (await Evaluator.GetEvaluationAsync(new GetEvaluationRequest { EvaluationId = evaluationId })).Runs.Single().State.Should().Be(RunState.Offered);
    }

    [Test]
    public async Task SubmitResult_NotAResultsDocument_InvalidArgumentAndRunFailed()
    {
        var (node, runId, evaluationId) = await OfferedRunAsync("garbage", minSites: 1, "garbage-a");

        var submit = async () => await node.SubmitResultAsync(runId, "{\"schema\":\"something/else\"}");

        (await submit.Should().ThrowAsync<RpcException>()).Which.StatusCode.Should().Be(StatusCode.InvalidArgument);
        var final = await Evaluations.WatchUntilAsync(Evaluator, evaluationId, e => e.State != EvaluationState.Running);
        final.State.Should().Be(EvaluationState.Failed);
        final.Runs.Single().State.Should().Be(RunState.Failed);
        final.Runs.Single().Reason.Should().StartWith("invalid result");
    }

    [Test]
    public async Task SubmitResult_LabelsDifferFromSpec_InvalidArgument()
    {
        var (node, runId, _) = await OfferedRunAsync("labels", minSites: 1, "labels-a");

        var submit = async () => await node.SubmitResultAsync(runId, Evaluations.SiteResult([[1, 0], [0, 1]], ["yes", "no"]));

        (await submit.Should().ThrowAsync<RpcException>()).Which.Status.Detail.Should().Contain("labels");
    }

    [Test]
    public async Task SubmitResult_UnknownRun_NotFound()
    {
        var node = await Server.EnrollNodeAsync("unknown-run");

        var submit = async () => await node.SubmitResultAsync("run_missing", Evaluations.SiteResult(SiteA));

        (await submit.Should().ThrowAsync<RpcException>()).Which.StatusCode.Should().Be(StatusCode.NotFound);
    }

    /// <summary>Enrolls the nodes, submits an evaluation to all of them, and returns the first node with its offered run.</summary>
    private async Task<(TestNode Node, string RunId, string EvaluationId)> OfferedRunAsync(string name, int minSites, params string[] nodes)
    {
        var enrolled = new List<TestNode>();
        foreach (var n in nodes)
        {
            enrolled.Add(await Server.EnrollNodeAsync(n));
        }

        await using var session = await enrolled[0].ConnectAsync();
        await session.ReadWelcomeAsync();
        var evaluation = await Evaluations.SubmitAsync(Evaluator, Bundle, Evaluations.Spec(name, minSites), nodes);
        var offer = await session.ReadOfferAsync();
        return (enrolled[0], offer.RunId, evaluation.Id);
    }
}
