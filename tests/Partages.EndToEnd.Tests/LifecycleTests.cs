namespace Partages.EndToEnd.Tests;

/// <summary>
/// Issue 13, "Visible lifecycle", with real processes: a node whose policy asks for manual approval and that runs one
/// job at a time (node.yaml's default max_concurrent_runs: 1). The evaluator sees the run awaiting approval (run, then
/// result), a second evaluation queued at the coordinator rather than refused by the busy node, and a rejection with
/// the generic reason.
/// </summary>
[NonParallelizable]
public sealed class LifecycleTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(12);
    private static readonly TimeSpan CommandBound = TimeSpan.FromSeconds(60);

    [Test]
    public async Task Evaluations_ManualApprovalOnABusyNode_AwaitingApprovalShownAndTheSecondQueuedUntilTheFirstEnds()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        var work = FederationSupport.NewWorkDirectory("lifecycle");
        await using var federation = await LocalFederation.StartAsync(new FederationOptions
        {
            WorkDirectory = work,
            NodeHeartbeatSeconds = 1,
            StartTimeout = TimeSpan.FromMinutes(3),
            PinnedBundleSha256 = [TestAssets.Assets.BundleSha256],
            Approval = "manual",
        }, cts.Token);
        var node = await federation.AddNodeAsync("site", [new NodeDataset("amr-reports", TestAssets.Assets.Hospitals[1].AmrPath)], cts.Token);
        await federation.Coordinator.WaitForLineAsync(new Regex(@"Node site connected"), CommandBound, cts.Token);
        using var channel = federation.CreateEvaluatorChannel(await federation.CreateApiTokenAsync("lifecycle", "evaluator", cts.Token));
        var evaluator = new EvaluatorClient(channel);
        var bundle = await evaluator.UploadBundleAsync(TestAssets.Assets.BundlePath, cts.Token);

        var first = await evaluator.SubmitAsync(TestAssets.Spec(nodes: ["site"]), bundle.Sha256, cancellationToken: cts.Token);
        var awaitingRun = await FederationSupport.WatchUntilAsync(evaluator, first.Id, e => e.Runs.Single().State == RunState.AwaitingApproval, cts.Token);
        var second = await evaluator.SubmitAsync(TestAssets.Spec(nodes: ["site"]), bundle.Sha256, cancellationToken: cts.Token);
        var firstRun = first.Runs.Single().Id;
        await FederationSupport.ApproveAsync(federation, node, firstRun, cts.Token);
        var awaitingResult = await FederationSupport.WatchUntilAsync(
            evaluator, first.Id, e => e.Runs.Single() is { State: RunState.AwaitingApproval } r && r.Reason.Contains("result", StringComparison.Ordinal), cts.Token);
        await FederationSupport.ApproveAsync(federation, node, firstRun, cts.Token);
        var firstFinal = await evaluator.WatchUntilFinalAsync(first.Id, cancellationToken: cts.Token);
        var secondWaiting = await FederationSupport.WatchUntilAsync(evaluator, second.Id, e => e.Runs.Single().State == RunState.AwaitingApproval, cts.Token);
        await FederationSupport.RejectAsync(federation, node, second.Runs.Single().Id, "outside our data-use agreement", cts.Token);
        var secondFinal = await evaluator.WatchUntilFinalAsync(second.Id, cancellationToken: cts.Token);

        awaitingRun.Runs.Single().Should().Match<Run>(r => r.Reason == "waiting for the hospital to approve the run" && r.WaitingSince != null);
        second.Runs.Single().State.Should().Be(RunState.Queued, "the node runs one job at a time and holds the first: the coordinator keeps the second");
        awaitingResult.Runs.Single().WaitingSince.Should().NotBeNull();
        firstFinal.State.Should().Be(EvaluationState.Completed, firstFinal.Reason);
        secondWaiting.Runs.Single().WaitingSince.Should().NotBeNull();
        secondFinal.State.Should().Be(EvaluationState.Failed);
        secondFinal.Runs.Single().Should().Match<Run>(r => r.State == RunState.Rejected && r.Reason == "the hospital rejected the job");
        (await FederationSupport.ReadLogAsync(node.Process.LogPath)).Should().NotContain("already running", "no offer reached the busy node");
    }
}
