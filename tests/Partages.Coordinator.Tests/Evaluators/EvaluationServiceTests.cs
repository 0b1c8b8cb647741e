namespace Partages.Coordinator.Tests.Evaluators;

[TestFixture(TestDatabaseKind.Sqlite)]
[TestFixture(TestDatabaseKind.PostgreSql)]
public sealed class EvaluationServiceTests(TestDatabaseKind database) : EvaluatorFixture(database)
{
    protected override string EvaluatorName => "alice";


    [OneTimeSetUp]
    public async Task PrepareAsync()
    {
        await Server.EnrollNodeAsync("site-a");
    }

    [Test]
    public async Task SubmitEvaluation_MalformedSpec_InvalidArgumentListingEveryErrorWithItsLine()
    {
        var status = (await RefusedSubmissionAsync(Evaluations.MalformedSpec, "site-a")).Status;
        status.StatusCode.Should().Be(StatusCode.InvalidArgument);
        var lines = status.Detail.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        lines[0].Should().Be("The spec has 4 error(s):");
        lines.Skip(1).Should().SatisfyRespectively(
            Evaluations.MalformedSpecErrors.Select(e => (Action<string>)(l => l.Should().StartWith($"{e.Position}{e.Field}:"))));
    }

    [Test]
    public async Task SubmitEvaluation_YamlThatYamlDotNetFailsOnWithoutAYamlException_InvalidArgumentWithLineAndColumn()
    {
        // ERRATA 13: this spec made YamlDotNet throw InvalidOperationException, answered UNKNOWN "Exception was thrown by handler."
        var status = (await RefusedSubmissionAsync("name: [a\nb: : c\n", "site-a")).Status;
        status.StatusCode.Should().Be(StatusCode.InvalidArgument);
        status.Detail.Should().MatchRegex(@"line \d+, column \d+: spec: is not valid YAML");
    }

    [Test]
    public async Task SubmitEvaluation_NoToken_Unauthenticated()
    {
        var anonymous = Server.EvaluatorClient(apiToken: null);

        var submit = async () => await Evaluations.SubmitAsync(anonymous, Bundle, Evaluations.Spec(), "site-a");
        var list = async () => await anonymous.ListEvaluationsAsync(new ListEvaluationsRequest());

        var required = new Status(StatusCode.Unauthenticated, "An API token is required: send 'authorization: Bearer <token>'.");
        (await submit.Should().ThrowAsync<RpcException>()).Which.Status.Should().Be(required);
        (await list.Should().ThrowAsync<RpcException>()).Which.Status.Should().Be(required);
    }

    [Test]
    public async Task ListEvaluations_UnknownToken_Unauthenticated()
    {
        var stranger = Server.EvaluatorClient("pta_made-up");

        var list = async () => await stranger.ListEvaluationsAsync(new ListEvaluationsRequest());

        (await list.Should().ThrowAsync<RpcException>()).Which.Status.Should().Be(new Status(StatusCode.Unauthenticated, "The API token is not valid."));
    }

    [Test]
    public async Task Viewer_ReadsButCannotSubmitUploadOrCancel_PermissionDenied()
    {
        var viewer = Server.EvaluatorClient(await Server.ApiTokenAsync("victor", "viewer"));
        var evaluation = await Evaluations.SubmitAsync(Evaluator, Bundle, Evaluations.Spec("viewed"), "site-a");

        var read = await viewer.GetEvaluationAsync(new GetEvaluationRequest { EvaluationId = evaluation.Id });
        var submit = async () => await Evaluations.SubmitAsync(viewer, Bundle, Evaluations.Spec(), "site-a");
        var upload = async () => await Evaluations.UploadAsync(viewer, [1, 2, 3]);
        var cancel = async () => await viewer.CancelEvaluationAsync(new CancelEvaluationRequest { EvaluationId = evaluation.Id });

        read.Owner.Should().Be("alice");
        (await submit.Should().ThrowAsync<RpcException>()).Which.Status.Should().Be(
            new Status(StatusCode.PermissionDenied, "The viewer token 'victor' may not call SubmitEvaluation; it needs the evaluator role."));
        (await upload.Should().ThrowAsync<RpcException>()).Which.StatusCode.Should().Be(StatusCode.PermissionDenied);
        (await cancel.Should().ThrowAsync<RpcException>()).Which.StatusCode.Should().Be(StatusCode.PermissionDenied);
    }

    [Test]
    public async Task CancelEvaluation_OtherEvaluatorsEvaluation_NotFoundButAdminMay()
    {
        var bob = Server.EvaluatorClient(await Server.ApiTokenAsync("bob", "evaluator"));
        var admin = Server.EvaluatorClient(await Server.ApiTokenAsync("root", "admin"));
        var evaluation = await Evaluations.SubmitAsync(Evaluator, Bundle, Evaluations.Spec("not-bobs"), "site-a");

        var byBob = async () => await bob.CancelEvaluationAsync(new CancelEvaluationRequest { EvaluationId = evaluation.Id });

        (await byBob.Should().ThrowAsync<RpcException>()).Which.StatusCode.Should().Be(StatusCode.NotFound);
        (await Evaluator.GetEvaluationAsync(new GetEvaluationRequest { EvaluationId = evaluation.Id })).State.Should().Be(EvaluationState.Running);
        var cancelled = await admin.CancelEvaluationAsync(new CancelEvaluationRequest { EvaluationId = evaluation.Id, Reason = "cleanup" });
        cancelled.State.Should().Be(EvaluationState.Cancelled);
        cancelled.Reason.Should().Be("cancelled by root: cleanup");
        var again = async () => await admin.CancelEvaluationAsync(new CancelEvaluationRequest { EvaluationId = evaluation.Id });
        (await again.Should().ThrowAsync<RpcException>()).Which.StatusCode.Should().Be(StatusCode.FailedPrecondition);
    }

    [Test]
    public async Task GetAndWatchEvaluation_OtherEvaluatorsEvaluation_NotFoundLikeAnUnknownIdButAdminAndViewerSeeIt()
    {
        var (carol, admin, viewer) = await OneOfEachRoleAsync("carol", "root-reader", "auditor");
        var evaluation = await Evaluations.SubmitAsync(Evaluator, Bundle, Evaluations.Spec("alices-own"), "site-a");

        var get = async () => await carol.GetEvaluationAsync(new GetEvaluationRequest { EvaluationId = evaluation.Id });
        var unknown = async () => await carol.GetEvaluationAsync(new GetEvaluationRequest { EvaluationId = "ev_unknown" });
        var watch = async () =>
        {
            using var call = carol.WatchEvaluation(new GetEvaluationRequest { EvaluationId = evaluation.Id }, deadline: TestCoordinator.Deadline());
            await call.ResponseStream.MoveNext();
        };

        var hidden = (await get.Should().ThrowAsync<RpcException>()).Which.Status;
        hidden.StatusCode.Should().Be(StatusCode.NotFound);
        hidden.Detail.Should().Be((await unknown.Should().ThrowAsync<RpcException>()).Which.Status.Detail.Replace("ev_unknown", evaluation.Id, StringComparison.Ordinal));
        (await watch.Should().ThrowAsync<RpcException>()).Which.StatusCode.Should().Be(StatusCode.NotFound);
        (await admin.GetEvaluationAsync(new GetEvaluationRequest { EvaluationId = evaluation.Id })).Owner.Should().Be("alice");
        (await viewer.GetEvaluationAsync(new GetEvaluationRequest { EvaluationId = evaluation.Id })).Owner.Should().Be("alice");
    }

    [Test]
    public async Task ListEvaluations_Evaluator_OnlyItsOwnWhileAdminAndViewerSeeEveryone()
    {
        var (dave, admin, viewer) = await OneOfEachRoleAsync("dave", "root-lister", "auditor-lister");
        var alices = await Evaluations.SubmitAsync(Evaluator, Bundle, Evaluations.Spec("alices-listed"), "site-a");
        var daves = await Evaluations.SubmitAsync(dave, Bundle, Evaluations.Spec("daves-listed"), "site-a");

        var byDave = await dave.ListEvaluationsAsync(new ListEvaluationsRequest { Limit = 500 });
        var byAlice = await Evaluator.ListEvaluationsAsync(new ListEvaluationsRequest { Limit = 500 });
        var byAdmin = await admin.ListEvaluationsAsync(new ListEvaluationsRequest { Limit = 500 });
        var byViewer = await viewer.ListEvaluationsAsync(new ListEvaluationsRequest { Limit = 500 });

        byDave.Evaluations.Select(e => e.Id).Should().Equal(daves.Id);
        byAlice.Evaluations.Should().OnlyContain(e => e.Owner == "alice").And.Contain(e => e.Id == alices.Id);
        byAdmin.Evaluations.Select(e => e.Id).Should().Contain([alices.Id, daves.Id]);
        byViewer.Evaluations.Select(e => e.Id).Should().Contain([alices.Id, daves.Id]);
    }

    [Test]
    public async Task ListNodes_EveryRole_Allowed()
    {
        var viewer = Server.EvaluatorClient(await Server.ApiTokenAsync("node-viewer", "viewer"));

        var nodes = await viewer.ListNodesAsync(new ListNodesRequest());

        nodes.Nodes.Select(n => n.Name).Should().Contain("site-a");
    }

    [Test]
    public async Task SubmitEvaluation_UnknownNode_InvalidArgumentNamingIt()
    {
        var status = (await RefusedSubmissionAsync(Evaluations.Spec(), "site-a", "site-nowhere")).Status;
        status.StatusCode.Should().Be(StatusCode.InvalidArgument);
        status.Detail.Should().Contain("site-nowhere");
    }

    [Test]
    public async Task SubmitEvaluation_BundleNotUploaded_FailedPrecondition()
    {
        var submit = async () => await Evaluations.SubmitAsync(Evaluator, new string('0', 64), Evaluations.Spec(), "site-a");

        (await submit.Should().ThrowAsync<RpcException>()).Which.StatusCode.Should().Be(StatusCode.FailedPrecondition);
    }

    [Test]
    public async Task SubmitEvaluation_MinSitesAboveTargets_InvalidArgument()
    {
        (await RefusedSubmissionAsync(Evaluations.Spec(minSites: 2), "site-a")).Status.Detail.Should().Contain("min_sites is 2");
    }

    [Test]
    public async Task SubmitEvaluation_NoNodesNamed_TargetsEveryEnrolledNode()
    {
        var evaluation = await Evaluations.SubmitAsync(Evaluator, Bundle, Evaluations.Spec("everyone"));

        evaluation.State.Should().Be(EvaluationState.Running);
        evaluation.Owner.Should().Be("alice");
        evaluation.MinSites.Should().Be(1);
        evaluation.Runs.Select(r => r.NodeName).Should().Contain("site-a");
        evaluation.Runs.Should().OnlyContain(r => r.State == RunState.Offline, "no node is connected in this fixture");
    }

    [Test]
    public async Task GetEvaluation_Unknown_NotFound()
    {
        var get = async () => await Evaluator.GetEvaluationAsync(new GetEvaluationRequest { EvaluationId = "ev_nope" });

        (await get.Should().ThrowAsync<RpcException>()).Which.StatusCode.Should().Be(StatusCode.NotFound);
    }

    [Test]
    public async Task ListEvaluations_Limit_MostRecentFirst()
    {
        var first = await Evaluations.SubmitAsync(Evaluator, Bundle, Evaluations.Spec("older"), "site-a");
        var second = await Evaluations.SubmitAsync(Evaluator, Bundle, Evaluations.Spec("newer"), "site-a");

        var listed = await Evaluator.ListEvaluationsAsync(new ListEvaluationsRequest { Limit = 2 });

        listed.Evaluations.Select(e => e.Id).Should().Equal(second.Id, first.Id);
    }

    /// <summary>Clients for a new evaluator, a new admin and a new viewer token (besides the fixture's evaluator, alice).</summary>
    private async Task<(EvaluationService.EvaluationServiceClient Evaluator, EvaluationService.EvaluationServiceClient Admin, EvaluationService.EvaluationServiceClient Viewer)> OneOfEachRoleAsync(
        string evaluator, string admin, string viewer) =>
        (Server.EvaluatorClient(await Server.ApiTokenAsync(evaluator, "evaluator")),
         Server.EvaluatorClient(await Server.ApiTokenAsync(admin, "admin")),
         Server.EvaluatorClient(await Server.ApiTokenAsync(viewer, "viewer")));
}
