namespace Partages.EndToEnd.Tests;

[NonParallelizable]
public sealed class NodeFailureTests
{
    [Test]
    public async Task Evaluation_NodeKilledMidRun_RunFailsWhenItsLeaseExpiresAndTheEvaluationCloses()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var workDirectory = FederationSupport.NewWorkDirectory("node-killed");
        // Large enough that the run is still going when the kill lands.
        var (large, _) = await FederationSupport.RepeatDatasetAsync(TestAssets.Assets.Hospitals[0].AmrPath, Path.Combine(workDirectory, "large-amr.jsonl"), copies: 150);

        await using var federation = await LocalFederation.StartAsync(new FederationOptions
        {
            WorkDirectory = workDirectory,
            CoordinatorArguments = ["--Coordinator:LeaseSeconds=3", "--Coordinator:HeartbeatIntervalSeconds=1"],
            NodeHeartbeatSeconds = 1,
            PinnedBundleSha256 = [TestAssets.Assets.BundleSha256],
        }, cts.Token);
        await federation.AddNodeAsync("steady", [new NodeDataset("amr-reports", TestAssets.Assets.Hospitals[1].AmrPath)], cts.Token);
        var doomed = await federation.AddNodeAsync("doomed", [new NodeDataset("amr-reports", large)], cts.Token);
        using var channel = federation.CreateEvaluatorChannel(await federation.CreateApiTokenAsync("e2e", "evaluator", cts.Token));
        var evaluator = new EvaluatorClient(channel);
        var bundle = await evaluator.UploadBundleAsync(TestAssets.Assets.BundlePath, cts.Token);

        var submitted = await evaluator.SubmitAsync(TestAssets.Spec(nodes: ["steady", "doomed"], minSites: 1), bundle.Sha256, cancellationToken: cts.Token);
        Task? kill = null;
        var final = await evaluator.WatchUntilFinalAsync(submitted.Id, snapshot =>
        {
            var run = snapshot.Runs.Single(r => r.NodeName == "doomed");
            if (kill is null && run.State == RunState.Running && run.Done > 0)
            {
                kill = doomed.KillAsync();
            }
        }, cts.Token);

        kill.Should().NotBeNull("the node must have been killed while its run was running");
        await kill!;
        final.State.Should().Be(EvaluationState.Completed);
        var failed = final.Runs.Single(r => r.NodeName == "doomed");
        failed.State.Should().Be(RunState.Failed);
        failed.Reason.Should().Contain("lease");
        final.MissingSites.Should().Equal("doomed");
        final.IncludedSites.Should().Equal("steady");
    }
}
