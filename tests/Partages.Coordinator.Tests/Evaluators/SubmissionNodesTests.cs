using System.Text;
using Grpc.Core;
using Partages.Contracts.V1;
using Partages.Coordinator.Tests.Infrastructure;
using Partages.Evaluation;

namespace Partages.Coordinator.Tests.Evaluators;

/// <summary>The nodes an evaluation names are held to one rule, whether the request or the spec names them.</summary>
public sealed class SubmissionNodesTests
{
    private TestCoordinator _coordinator = null!;
    private EvaluationService.EvaluationServiceClient _evaluator = null!;
    private string _bundle = "";

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _coordinator = await TestCoordinator.StartAsync();
        _evaluator = _coordinator.EvaluatorClient(await _coordinator.ApiTokenAsync("nodes-evaluator", "evaluator"));
        await _coordinator.EnrollNodeAsync("site-a");
        _bundle = (await Evaluations.UploadBundleAsync(_evaluator)).Sha256;
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await _coordinator.DisposeAsync();

    [Test]
    public async Task SubmitEvaluation_RequestNamesMoreNodesThanTheCap_InvalidArgumentWithTheCount()
    {
        var nodes = Enumerable.Range(0, NodeNames.MaxTargets + 1).Select(i => $"site-{i}").ToArray();

        var submit = async () => await Evaluations.SubmitAsync(_evaluator, _bundle, Evaluations.Spec(), nodes);

        var refused = (await submit.Should().ThrowAsync<RpcException>()).Which.Status;
        refused.StatusCode.Should().Be(StatusCode.InvalidArgument);
        refused.Detail.Should().Be($"nodes lists {NodeNames.MaxTargets + 1} nodes; at most {NodeNames.MaxTargets} may be named.");
    }

    [Test]
    public async Task SubmitEvaluation_RequestNodeNameBreaksTheRule_InvalidArgumentWithoutEchoingItWhole()
    {
        var submit = async () => await Evaluations.SubmitAsync(_evaluator, _bundle, Evaluations.Spec(), "site-a", new string('x', 5_000));

        var refused = (await submit.Should().ThrowAsync<RpcException>()).Which.Status;
        refused.StatusCode.Should().Be(StatusCode.InvalidArgument);
        refused.Detail.Should().Contain("item 2").And.Contain("5000 characters").And.Contain(NodeNames.Rule);
        refused.Detail.Length.Should().BeLessThan(400);
    }

    [Test]
    public async Task SubmitEvaluation_SpecAliasesExpandToThousandsOfNodes_InvalidArgumentWithTheCount()
    {
        // 56 KB of YAML: one long name, then 14,000 aliases to it (about 900 KB of names once expanded).
        var aliases = string.Join(", ", Enumerable.Repeat("*n", 14_000));
        var spec = Evaluations.Spec() + $"\nnodes: [&n {new string('n', 60)}, {aliases}]\n";
        Encoding.UTF8.GetByteCount(spec).Should().BeLessThan(64 * 1024);

        var submit = async () => await Evaluations.SubmitAsync(_evaluator, _bundle, spec);

        var refused = (await submit.Should().ThrowAsync<RpcException>()).Which.Status;
        refused.StatusCode.Should().Be(StatusCode.InvalidArgument);
        refused.Detail.Should().Contain($"nodes: lists 14001 items; at most {NodeNames.MaxTargets} may be given");
        refused.Detail.Length.Should().BeLessThan(1_000);
    }

    [Test]
    public async Task SubmitEvaluation_SpecNodeNameOf64Characters_InvalidArgumentWithTheRule()
    {
        var spec = Evaluations.Spec() + $"\nnodes: [{new string('a', 64)}]\n";

        var submit = async () => await Evaluations.SubmitAsync(_evaluator, _bundle, spec);

        var refused = (await submit.Should().ThrowAsync<RpcException>()).Which.Status;
        refused.StatusCode.Should().Be(StatusCode.InvalidArgument);
        refused.Detail.Should().Contain(NodeNames.Rule).And.Contain("64 characters");
    }
}
