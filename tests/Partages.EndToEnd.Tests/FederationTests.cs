using EvaluationView = Partages.Contracts.V1.Evaluation;

namespace Partages.EndToEnd.Tests;

/// <summary>
/// One federation for the fixture: two hospitals with AMR reports, a third exposing their union (the
/// "everything in one place" reference), and a fourth that has no AMR dataset at all.
/// </summary>
[NonParallelizable]
public sealed class FederationTests : FederationFixture
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [OneTimeSetUp]
    public async Task StartFederation()
    {
        var assets = TestAssets.Assets;
        var (valmont, saintAubin) = (assets.Hospitals[0], assets.Hospitals[1]);
        var workDirectory = FederationSupport.NewWorkDirectory("federation");
        var union = Path.Combine(workDirectory, "union-amr.jsonl");
        await File.WriteAllTextAsync(union, await File.ReadAllTextAsync(valmont.AmrPath) + await File.ReadAllTextAsync(saintAubin.AmrPath));

        var options = new FederationOptions { WorkDirectory = workDirectory, DifferentialPrivacy = "off", PinnedBundleSha256 = [assets.BundleSha256] };
        await StartAsync(options, async federation =>
        {
            await federation.AddNodeAsync("site-a", [new NodeDataset("amr-reports", valmont.AmrPath)]);
            await federation.AddNodeAsync("site-b", [new NodeDataset("amr-reports", saintAubin.AmrPath)]);
            await federation.AddNodeAsync("site-union", [new NodeDataset("amr-union", union)]);
            await federation.AddNodeAsync("site-oncology-only", [new NodeDataset("oncology-reports", assets.Hospitals[2].OncologyPath)]);
        }, "e2e", assets.BundlePath);
    }

    [Test]
    public async Task Evaluation_TwoSitesOverMutualTls_PooledMatrixEqualsSumOfSitesAndTheUnionEvaluatedInOnePlace()
    {
        using var cts = new CancellationTokenSource(Timeout);

        var federated = await RunAsync(TestAssets.Spec(nodes: ["site-a", "site-b"], minSites: 2), cts.Token);
        var single = await RunAsync(TestAssets.Spec(dataset: "amr-union", nodes: ["site-union"]), cts.Token);

        federated.State.Should().Be(EvaluationState.Completed, federated.Reason);
        single.State.Should().Be(EvaluationState.Completed, single.Reason);
        var pooled = ResultJson.DeserializePooled(federated.PooledResultJson);
        pooled.IncludedSites.Should().Equal("site-a", "site-b");
        var siteA = pooled.PerSite["site-a"].ConfusionMatrix.Matrix;
        var siteB = pooled.PerSite["site-b"].ConfusionMatrix.Matrix;
        var sum = siteA.Select((row, g) => row.Select((count, p) => count + siteB[g][p]).ToArray()).ToArray();
        pooled.Pooled!.ConfusionMatrix.Matrix.Should().BeEquivalentTo(sum, o => o.WithStrictOrdering());
        siteA.SelectMany(r => r).Sum().Should().BeGreaterThan(0);

        var union = ResultJson.DeserializePooled(single.PooledResultJson).Pooled!;
        union.ConfusionMatrix.Matrix.Should().BeEquivalentTo(pooled.Pooled.ConfusionMatrix.Matrix, o => o.WithStrictOrdering());
        union.Macro.Should().Be(pooled.Pooled.Macro);
        union.PerClass.Should().BeEquivalentTo(pooled.Pooled.PerClass);
    }

    [Test]
    public async Task Evaluation_SiteWithoutTheDataset_ThatSiteFailsWithReasonAndOthersFinish()
    {
        using var cts = new CancellationTokenSource(Timeout);

        var evaluation = await RunAsync(TestAssets.Spec(nodes: ["site-a", "site-oncology-only"], minSites: 1), cts.Token);

        evaluation.State.Should().Be(EvaluationState.Completed);
        var missing = evaluation.Runs.Single(r => r.NodeName == "site-oncology-only");
        missing.State.Should().Be(RunState.Rejected);
        missing.Reason.Should().Contain("amr-reports");
        evaluation.MissingSites.Should().Equal("site-oncology-only");
        var pooled = ResultJson.DeserializePooled(evaluation.PooledResultJson);
        pooled.IncludedSites.Should().Equal("site-a");
        pooled.MissingSites.Should().ContainSingle().Which.Reason.Should().Contain("amr-reports");
    }

    [Test]
    public async Task SubmitEvaluation_MalformedSpec_RefusedWithEveryErrorListed()
    {
        const string spec = """
            version: 1
            name: Not A Slug
            task: regression
            labels: [only-one]
            """;

        var act = () => Evaluator.SubmitAsync(spec, BundleSha256);

        var error = (await act.Should().ThrowAsync<RpcException>()).Which;
        error.StatusCode.Should().Be(StatusCode.InvalidArgument);
        error.Status.Detail.Should().Contain("line 2").And.Contain("name")
            .And.Contain("task").And.Contain("dataset").And.Contain("labels");
    }
}
