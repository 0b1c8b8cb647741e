using Google.Rpc;

namespace Partages.Coordinator.Tests.Contract;

/// <summary>
/// docs/api.md, "Errors": every INVALID_ARGUMENT of the evaluator API carries a google.rpc.BadRequest with one field
/// violation per problem, and an empty id or an out-of-range size is INVALID_ARGUMENT, never NOT_FOUND or accepted.
/// </summary>
public sealed class ErrorModelTests : EvaluatorFixture
{
    [OneTimeSetUp]
    public async Task PrepareAsync()
    {
        await Server.EnrollNodeAsync("site-a");
    }

    [Test]
    public async Task SubmitEvaluation_MalformedSpec_OneFieldViolationPerSpecErrorWithItsPosition()
    {
        var violations = Violations(await RefusedSubmissionAsync(Evaluations.MalformedSpec, "site-a"));
        violations.Select(v => v.Field).Should().Equal(Evaluations.MalformedSpecErrors.Select(e => e.Field));
        violations.Select(v => v.Description).Should().SatisfyRespectively(
            Evaluations.MalformedSpecErrors.Select(e => (Action<string>)(d => d.Should().StartWith(e.Position))));
    }

    [Test]
    public async Task SubmitEvaluation_EmptyBundleAndUnknownNodes_FieldViolationForEach()
    {
        var noBundle = async () => await Evaluations.SubmitAsync(Evaluator, "", Evaluations.Spec(), "site-a");
        var ghosts = async () => await Evaluations.SubmitAsync(Evaluator, Bundle, Evaluations.Spec(), "site-a", "ghost-1", "ghost-2");

        Violations((await noBundle.Should().ThrowAsync<RpcException>()).Which).Should().ContainSingle()
            .Which.Field.Should().Be("model_bundle_sha256");
        Violations((await ghosts.Should().ThrowAsync<RpcException>()).Which).Should().HaveCount(2)
            .And.OnlyContain(v => v.Field == "nodes")
            .And.Contain(v => v.Description.Contains("'ghost-1'", StringComparison.Ordinal))
            .And.Contain(v => v.Description.Contains("'ghost-2'", StringComparison.Ordinal));
    }

    [TestCase("GetEvaluation")]
    [TestCase("WatchEvaluation")]
    [TestCase("CancelEvaluation")]
    public async Task EvaluationIdRpc_EmptyId_InvalidArgumentNamingEvaluationId(string rpc)
    {
        Func<Task> call = rpc switch
        {
            "GetEvaluation" => async () => await Evaluator.GetEvaluationAsync(new GetEvaluationRequest(), deadline: TestCoordinator.Deadline()),
            "WatchEvaluation" => async () =>
            {
                using var watch = Evaluator.WatchEvaluation(new GetEvaluationRequest { EvaluationId = "" }, deadline: TestCoordinator.Deadline());
                await watch.ResponseStream.MoveNext(CancellationToken.None);
            },
            _ => async () => await Evaluator.CancelEvaluationAsync(new CancelEvaluationRequest { Reason = "no id" }, deadline: TestCoordinator.Deadline()),
        };

        var violation = Violations((await call.Should().ThrowAsync<RpcException>()).Which).Should().ContainSingle().Subject;

        violation.Field.Should().Be("evaluation_id");
    }

    [TestCase("ListEvaluations", "limit")]
    [TestCase("ListEvaluations", "page_size")]
    [TestCase("ListNodes", "page_size")]
    public async Task ListRpc_NegativeSize_InvalidArgumentNamingTheField(string rpc, string field)
    {
        Func<Task> list = (rpc, field) switch
        {
            ("ListEvaluations", "limit") => async () => await Evaluator.ListEvaluationsAsync(new ListEvaluationsRequest { Limit = -1 }, deadline: TestCoordinator.Deadline()),
            ("ListEvaluations", _) => async () => await Evaluator.ListEvaluationsAsync(new ListEvaluationsRequest { PageSize = -5 }, deadline: TestCoordinator.Deadline()),
            _ => async () => await Evaluator.ListNodesAsync(new ListNodesRequest { PageSize = -1 }, deadline: TestCoordinator.Deadline()),
        };

        Violations((await list.Should().ThrowAsync<RpcException>()).Which).Should().ContainSingle().Which.Field.Should().Be(field);
    }

    [Test]
    public async Task GetEvaluation_UnknownButNonEmptyId_StillNotFound()
    {
        var get = async () => await Evaluator.GetEvaluationAsync(new GetEvaluationRequest { EvaluationId = "ev_unknown" }, deadline: TestCoordinator.Deadline());

        (await get.Should().ThrowAsync<RpcException>()).Which.StatusCode.Should().Be(StatusCode.NotFound);
    }

    /// <summary>The field violations of an INVALID_ARGUMENT answer; fails when the status or the BadRequest detail is missing.</summary>
    internal static IReadOnlyList<BadRequest.Types.FieldViolation> Violations(RpcException exception)
    {
        exception.StatusCode.Should().Be(StatusCode.InvalidArgument, exception.Status.Detail);
        var status = exception.GetRpcStatus();
        status.Should().NotBeNull("an INVALID_ARGUMENT answer carries grpc-status-details-bin");
        status!.Code.Should().Be((int)Code.InvalidArgument);
        status.Message.Should().Be(exception.Status.Detail);
        var badRequest = status.GetDetail<BadRequest>();
        badRequest.Should().NotBeNull("the details hold a google.rpc.BadRequest");
        return badRequest!.FieldViolations;
    }
}
