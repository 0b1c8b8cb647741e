using Partages.Coordinator.Tests.Results;

namespace Partages.Coordinator.Tests.Replicas;

/// <summary>
/// Two coordinator replicas on one PostgreSQL database and one data dir (the CA and the artifacts shared): a node
/// connected to one is offered, cancelled and watched through the other (ReplicaBus, LISTEN/NOTIFY).
/// </summary>
public sealed class ReplicaTests
{
    private static readonly long[][] Site = [[10, 1, 0, 0], [2, 8, 0, 0], [0, 0, 5, 1], [0, 0, 0, 3]];

    private TestDatabase _database = null!;
    private string _dataDir = "";
    private TestCoordinator _a = null!;
    private TestCoordinator _b = null!;
    private EvaluationService.EvaluationServiceClient _evaluatorOnA = null!;
    private string _bundle = "";

    [OneTimeSetUp]
    public async Task StartReplicasAsync()
    {
        _database = await TestDatabase.CreateAsync(TestDatabaseKind.PostgreSql, nameof(ReplicaTests));
        _dataDir = TestCoordinator.NewDataDir();
        _a = await TestCoordinator.StartAsync(_dataDir, database: _database);
        _b = await TestCoordinator.StartAsync(_dataDir, database: _database);
        _evaluatorOnA = _a.EvaluatorClient(await _a.ApiTokenAsync("replica-evaluator", "evaluator"));
        _bundle = (await Evaluations.UploadBundleAsync(_evaluatorOnA)).Sha256;
    }

    [OneTimeTearDown]
    public async Task StopReplicasAsync()
    {
        try
        {
            var errors = _a.Errors.Errors.Concat(_b.Errors.Errors).ToList();
            await _b.StopAsync(deleteData: false);
            await _a.StopAsync(deleteData: false);
            errors.Should().BeEmpty("neither replica should log an error");
        }
        finally
        {
            if (Directory.Exists(_dataDir))
            {
                Directory.Delete(_dataDir, recursive: true);
            }

            await _database.DisposeAsync();
        }
    }

    [Test]
    public async Task Submit_NodeOnTheOtherReplica_OfferedThroughItAndTheWatcherOnTheFirstSeesItsResult()
    {
        var enrolled = await _a.EnrollNodeAsync("replica-x");
        var onB = new TestNode(_b, enrolled.Name, enrolled.Certificate);
        await using var session = await onB.ConnectWelcomedAsync();

        var evaluation = await Evaluations.SubmitAsync(_evaluatorOnA, _bundle, Evaluations.Spec("replicas", minSites: 1), "replica-x");
        using var watch = _evaluatorOnA.WatchEvaluation(new GetEvaluationRequest { EvaluationId = evaluation.Id, ChangesOnly = true }, deadline: TestCoordinator.Deadline());
        var offer = await session.ReadOfferAsync();
        offer.EvaluationId.Should().Be(evaluation.Id);
        await session.AcceptAsync(offer.RunId);
        (await onB.SubmitResultAsync(offer.RunId, Evaluations.SiteResult(Site))).Stored.Should().BeTrue();

        // The watch on replica A follows changes committed by replica B.
        Contracts.V1.Evaluation? seen = null;
        while (await watch.ResponseStream.MoveNext(CancellationToken.None))
        {
            seen = EvaluationChanges.Apply(seen, watch.ResponseStream.Current);
        }

        seen!.State.Should().Be(EvaluationState.Completed);
        seen.IncludedSites.Should().Equal("replica-x");
        seen.Should().Be(await _b.EvaluatorClient(await _b.ApiTokenAsync("replica-viewer", "viewer")).GetEvaluationAsync(new GetEvaluationRequest { EvaluationId = evaluation.Id }));
    }

    [Test]
    public async Task Cancel_OnOneReplica_NodeOnTheOtherToldToStop()
    {
        var enrolled = await _a.EnrollNodeAsync("replica-y");
        var onB = new TestNode(_b, enrolled.Name, enrolled.Certificate);
        await using var session = await onB.ConnectWelcomedAsync();
        var evaluation = await Evaluations.SubmitAsync(_evaluatorOnA, _bundle, Evaluations.Spec("replicas-cancel", minSites: 1), "replica-y");
        var offer = await session.ReadOfferAsync();
        await session.AcceptAsync(offer.RunId);
        await Evaluations.WatchUntilAsync(_evaluatorOnA, evaluation.Id, e => e.Runs[0].State == RunState.Accepted);

        await _evaluatorOnA.CancelEvaluationAsync(new CancelEvaluationRequest { EvaluationId = evaluation.Id, Reason = "wrong model" });

        var cancel = await session.ReadCancelAsync();
        cancel.RunId.Should().Be(offer.RunId);
        cancel.Reason.Should().Contain("wrong model");
    }

    [Test]
    public async Task ListNodes_NodeOnTheOtherReplica_OnlineThroughEitherAndOfflineOnBothOnceItsSessionEnds()
    {
        var enrolled = await _a.EnrollNodeAsync("replica-z");
        var onB = new TestNode(_b, enrolled.Name, enrolled.Certificate);
        var viewerOnA = _a.EvaluatorClient(await _a.ApiTokenAsync("replica-nodes", "viewer"));
        var viewerOnB = _b.EvaluatorClient(await _b.ApiTokenAsync("replica-nodes-b", "viewer"));
        var registryOnA = _a.App.Services.GetRequiredService<Partages.Coordinator.Sessions.NodeSessionRegistry>();
        (await OnlineAsync(viewerOnA, "replica-z")).Should().BeFalse("it never connected");

        var session = await onB.ConnectWelcomedAsync();
        (await OnlineAsync(viewerOnA, "replica-z")).Should().BeTrue("replica B recorded its hello a moment ago");
        (await OnlineAsync(viewerOnB, "replica-z")).Should().BeTrue("its session is on B");
        registryOnA.IsOnline("replica-z").Should().BeFalse("offers still go through B, which holds the session");

        await session.DisposeAsync();
        // B writes the session's end and tells A (ReplicaBus); A wakes its node-list watchers when it hears.
        while (true)
        {
            var change = registryOnA.NextChange();
            if (!await OnlineAsync(viewerOnA, "replica-z"))
            {
                break;
            }

            await change.WaitAsync(TestCoordinator.CallTimeout);
        }

        (await OnlineAsync(viewerOnB, "replica-z")).Should().BeFalse("the session ended on B");
    }

    private static async Task<bool> OnlineAsync(EvaluationService.EvaluationServiceClient viewer, string node) =>
        (await viewer.ListNodesAsync(new ListNodesRequest(), deadline: TestCoordinator.Deadline())).Nodes.Single(n => n.Name == node).Online;
}
