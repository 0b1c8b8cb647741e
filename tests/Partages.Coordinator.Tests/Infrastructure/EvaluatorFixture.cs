namespace Partages.Coordinator.Tests.Infrastructure;

/// <summary>
/// A <see cref="CoordinatorFixture"/> with an evaluator's API token and client, and the test bundle uploaded. NUnit runs
/// the base class's set-up first, then this one, then the test class's own.
/// </summary>
public abstract class EvaluatorFixture(TestDatabaseKind database = TestDatabaseKind.Sqlite) : CoordinatorFixture(database)
{
    protected EvaluationService.EvaluationServiceClient Evaluator { get; private set; } = null!;

    /// <summary>The evaluator's API token.</summary>
    protected string Token { get; private set; } = "";

    /// <summary>SHA-256 of the uploaded test bundle.</summary>
    protected string Bundle { get; private set; } = "";

    /// <summary>The evaluator's name (the owner of what it submits).</summary>
    protected virtual string EvaluatorName => GetType().Name.ToLowerInvariant();

    [OneTimeSetUp]
    public async Task StartEvaluatorAsync()
    {
        Token = await Server.ApiTokenAsync(EvaluatorName, "evaluator");
        Evaluator = Server.EvaluatorClient(Token);
        Bundle = (await Evaluations.UploadBundleAsync(Evaluator)).Sha256;
    }

    /// <summary>Submits <paramref name="spec"/> with the fixture's bundle and evaluator, expecting a refusal; returns it.</summary>
    protected async Task<RpcException> RefusedSubmissionAsync(string spec, params string[] nodes)
    {
        var submit = async () => await Evaluations.SubmitAsync(Evaluator, Bundle, spec, nodes);
        return (await submit.Should().ThrowAsync<RpcException>()).Which;
    }

    /// <summary>
    /// A node of its own (<paramref name="node"/>, announcing <paramref name="maxConcurrentRuns"/> slots), connected,
    /// with an evaluation (<paramref name="spec"/>, the node's name by default) submitted to it and its run accepted.
    /// </summary>
    protected async Task<AcceptedRun> AcceptedRunAsync(string node, string? spec = null, int maxConcurrentRuns = 1)
    {
        var enrolled = await Server.EnrollNodeAsync(node);
        enrolled.MaxConcurrentRuns = maxConcurrentRuns;
        var session = await enrolled.ConnectWelcomedAsync();
        var evaluation = await Evaluations.SubmitAsync(Evaluator, Bundle, Evaluations.Spec(spec ?? node), node);
        var runId = (await session.ReadOfferAsync()).RunId;
        await session.AcceptAsync(runId);
        return new AcceptedRun(enrolled, session, evaluation, runId);
    }
}

/// <summary>A node's session holding an accepted run (<see cref="EvaluatorFixture.AcceptedRunAsync"/>); disposing it ends the session.</summary>
public sealed record AcceptedRun(TestNode Node, NodeSessionClient Session, Contracts.V1.Evaluation Evaluation, string RunId) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Session.DisposeAsync();
}
