namespace Partages.EndToEnd.Tests;

/// <summary>
/// Two coordinator replicas as real processes on one real PostgreSQL server and one data dir (docs/coordinator.md,
/// "Replicas"), one node agent connected to each; the evaluation is submitted to one replica, the other is killed while
/// its node's run waits for the hospital's approval, the node moves to the surviving replica, and the evaluation
/// completes there with each site counted once.
/// </summary>
[NonParallelizable]
public sealed class ReplicaFederationTests
{
    [Test]
    public async Task Evaluation_ReplicaKilledWhileItsNodeAwaitsApproval_NodeMovesToTheOtherAndEachSiteIsCountedOnce()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        var assets = TestAssets.Assets;
        await using var replicated = await ReplicatedFederation.StartAsync("replicas", cts.Token);
        var (federation, replicaA, replicaB) = (replicated.Federation, replicated.ReplicaA, replicated.ReplicaB);
        // site-a prefers replica A (killed below), site-b replica B; each lists both.
        var siteA = await replicated.AddNodeAsync("site-a", 0, replicaA, cts.Token, approval: "manual");
        await replicated.AddNodeAsync("site-b", 1, replicaB, cts.Token);
        using var channel = federation.CreateEvaluatorChannel(await federation.CreateApiTokenAsync("replicas", "evaluator", cts.Token), replicated.UrlB);
        var evaluator = new EvaluatorClient(channel);
        var bundle = await evaluator.UploadBundleAsync(assets.BundlePath, cts.Token);

        // Submitted to B: site-a's offer goes through A, which holds its session.
        var submitted = await evaluator.SubmitAsync(TestAssets.Spec(nodes: ["site-a", "site-b"], minSites: 2), bundle.Sha256, cancellationToken: cts.Token);
        var runA = submitted.Runs.Single(r => r.NodeName == "site-a").Id;
        await FederationSupport.WatchUntilAsync(evaluator, submitted.Id, e => e.Runs.Single(r => r.NodeName == "site-a").State == RunState.AwaitingApproval, cts.Token);
        await replicaA.KillAsync();

        await ReplicatedFederation.WaitConnectedAsync(replicaB, "site-a", cts.Token);
        await FederationSupport.ApproveAsync(federation, siteA, runA, cts.Token);
        await FederationSupport.WatchUntilAsync(evaluator, submitted.Id,
            e => e.Runs.Single(r => r.NodeName == "site-a") is { State: RunState.AwaitingApproval } r && r.Reason.Contains("result", StringComparison.Ordinal), cts.Token);
        await FederationSupport.ApproveAsync(federation, siteA, runA, cts.Token);
        var final = await evaluator.WatchUntilFinalAsync(submitted.Id, cancellationToken: cts.Token);

        final.State.Should().Be(EvaluationState.Completed, final.Reason);
        final.IncludedSites.Should().Equal("site-a", "site-b");
        final.Runs.Should().OnlyContain(r => r.State == RunState.Succeeded);
        var pooled = ResultJson.DeserializePooled(final.PooledResultJson);
        pooled.PerSite.Keys.Should().BeEquivalentTo(["site-a", "site-b"]);
        pooled.Pooled!.NDocuments.Should().Be(pooled.PerSite.Values.Sum(s => s.NDocuments), "each site is counted once");
        replicaA.HasExited.Should().BeTrue();
        replicated.Passed();
    }
}
