using System.Text;

namespace Partages.Coordinator.Tests.Evaluators;

/// <summary>The nodes an evaluation names are held to one rule, whether the request or the spec names them.</summary>
public sealed class SubmissionNodesTests : EvaluatorFixture
{
    protected override string EvaluatorName => "nodes-evaluator";

    [OneTimeSetUp]
    public async Task EnrollAsync() => await Server.EnrollNodeAsync("site-a");

    [Test]
    public async Task SubmitEvaluation_RequestNamesMoreNodesThanTheCap_InvalidArgumentWithTheCount()
    {
        var nodes = Enumerable.Range(0, NodeNames.MaxTargets + 1).Select(i => $"site-{i}").ToArray();

        var refused = (await RefusedSubmissionAsync(Evaluations.Spec(), nodes)).Status;
        refused.StatusCode.Should().Be(StatusCode.InvalidArgument);
        refused.Detail.Should().Be($"nodes lists {NodeNames.MaxTargets + 1} nodes; at most {NodeNames.MaxTargets} may be named.");
    }

    [Test]
    public async Task SubmitEvaluation_RequestNodeNameBreaksTheRule_InvalidArgumentWithoutEchoingItWhole()
    {
        var refused = (await RefusedSubmissionAsync(Evaluations.Spec(), "site-a", new string('x', 5_000))).Status;
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

        var refused = (await RefusedSubmissionAsync(spec)).Status;
        refused.StatusCode.Should().Be(StatusCode.InvalidArgument);
        refused.Detail.Should().Contain($"nodes: lists 14001 items; at most {NodeNames.MaxTargets} may be given");
        refused.Detail.Length.Should().BeLessThan(1_000);
    }

    [Test]
    public async Task SubmitEvaluation_SpecNodeNameOf64Characters_InvalidArgumentWithTheRule()
    {
        var spec = Evaluations.Spec() + $"\nnodes: [{new string('a', 64)}]\n";

        var refused = (await RefusedSubmissionAsync(spec)).Status;
        refused.StatusCode.Should().Be(StatusCode.InvalidArgument);
        refused.Detail.Should().Contain(NodeNames.Rule).And.Contain("64 characters");
    }
}
