using System.Diagnostics;
using EvaluationView = Partages.Contracts.V1.Evaluation;

namespace Partages.EndToEnd.Tests;

/// <summary>
/// The replicated deployment of docs/deployment.md as real processes: two coordinator replicas on one PostgreSQL server
/// and data dir, the gateway (coordinator/Partages.Gateway, YARP) in front of them for the evaluator plane, three node
/// agents spread over the replicas and connecting to them directly. The evaluator submits and watches through the
/// gateway only; a replica is killed mid-evaluation; the watch resumes through the gateway, the killed replica's nodes
/// reconnect to the other (the time is printed), and the evaluation completes with each site counted once.
/// </summary>
[NonParallelizable]
public sealed class GatewayFederationTests
{
    private static readonly TimeSpan CommandBound = TimeSpan.FromMinutes(2);

    [Test]
    public async Task Evaluation_ThroughTheGatewayWithAReplicaKilled_WatchContinuesAndEachSiteIsCountedOnce()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        var assets = TestAssets.Assets;
        await using var replicated = await ReplicatedFederation.StartAsync("gateway", cts.Token);
        var (federation, replicaA, replicaB) = (replicated.Federation, replicated.ReplicaA, replicated.ReplicaB);
        var (_, gatewayUrl) = await federation.StartGatewayAsync([replicated.UrlA, replicated.UrlB], cts.Token);

        // Nodes connect to the replicas themselves (the node plane never passes the gateway): a and c prefer A, b prefers B.
        var siteA = await replicated.AddNodeAsync("site-a", 0, replicaA, cts.Token, approval: "manual");
        await replicated.AddNodeAsync("site-b", 1, replicaB, cts.Token);
        await replicated.AddNodeAsync("site-c", 2, replicaA, cts.Token);

        using var channel = federation.CreateEvaluatorChannel(await federation.CreateApiTokenAsync("gateway", "evaluator", cts.Token), gatewayUrl);
        var evaluator = new EvaluatorClient(channel);
        var nodeCall = async () => await new NodeService.NodeServiceClient(channel).GetAuditAnchorAsync(new GetAuditAnchorRequest(), cancellationToken: cts.Token);
        var nodePlane = (await nodeCall.Should().ThrowAsync<RpcException>()).Which;
        nodePlane.StatusCode.Should().Be(StatusCode.Unimplemented, "the gateway does not carry the node plane");
        nodePlane.Status.Detail.Should().Contain("replicas directly");

        var bundle = await evaluator.UploadBundleAsync(assets.BundlePath, cts.Token);
        var submitted = await evaluator.SubmitAsync(TestAssets.Spec(nodes: ["site-a", "site-b", "site-c"], minSites: 3), bundle.Sha256, cancellationToken: cts.Token);
        var runA = submitted.Runs.Single(r => r.NodeName == "site-a").Id;
        await FederationSupport.WatchUntilAsync(evaluator, submitted.Id, e => e.Runs.Single(r => r.NodeName == "site-a").State == RunState.AwaitingApproval, cts.Token);
        // Two watches at once: the gateway balances to the replica with fewer requests in flight, so one stream runs
        // through each replica, and one of them through the replica killed below.
        var watches = new[] { new Follower(evaluator, submitted.Id), new Follower(evaluator, submitted.Id) };
        var finals = new List<Task<EvaluationView>>();
        foreach (var watch in watches)
        {
            finals.Add(watch.FollowToFinalAsync(cts.Token));
            await watch.FirstUpdate.WaitAsync(cts.Token);
        }

        var watched = watches[0];
        var finalTask = Task.WhenAll(finals);

        var clock = Stopwatch.StartNew();
        await replicaA.KillAsync();
        var moved = await Task.WhenAll(new[] { "site-a", "site-c" }.Select(async node =>
        {
            await ReplicatedFederation.WaitConnectedAsync(replicaB, node, cts.Token);
            return clock.Elapsed;
        }));
        await TestContext.Out.WriteLineAsync(
            $"replica kill -> all nodes reconnected: {moved.Max().TotalSeconds:0.00} s for {moved.Length} nodes (node back-off 0.2-2 s, heartbeat 1 s, loaded 2-core machine)");

        await FederationSupport.ApproveAsync(federation, siteA, runA, cts.Token);
        await watched.UntilAsync(finalTask, e => e.Runs.Single(r => r.NodeName == "site-a") is { State: RunState.AwaitingApproval } r && r.Reason.Contains("result", StringComparison.Ordinal), cts.Token);
        await FederationSupport.ApproveAsync(federation, siteA, runA, cts.Token);
        var final = (await finalTask)[0];
        var errors = watches.SelectMany(w => w.Errors).ToList();
        await TestContext.Out.WriteLineAsync($"watches through the gateway resumed after the kill: {errors.Count} time(s): {string.Join(" | ", errors)}");
        errors.Should().Contain(e => e.StartsWith("Unavailable", StringComparison.Ordinal) && e.Contains("went away", StringComparison.Ordinal),
            "the watch on the killed replica is told UNAVAILABLE by the gateway, and watches again");
        (await finalTask).Should().AllBeEquivalentTo(final, "both watches end on the same evaluation");

        final.State.Should().Be(EvaluationState.Completed, final.Reason);
        final.IncludedSites.Should().Equal("site-a", "site-b", "site-c");
        final.Runs.Should().OnlyContain(r => r.State == RunState.Succeeded);
        var pooled = ResultJson.DeserializePooled(final.PooledResultJson);
        pooled.PerSite.Keys.Should().BeEquivalentTo(["site-a", "site-b", "site-c"]);
        pooled.Pooled!.NDocuments.Should().Be(pooled.PerSite.Values.Sum(s => s.NDocuments), "each site is counted once");
        (await evaluator.GetAsync(submitted.Id, cts.Token)).Should().Be(final, "what the watch ended on is what is stored");
        replicaA.HasExited.Should().BeTrue();
        replicated.Passed();
    }

    [Test]
    public async Task Start_InvalidSettings_ExitsWithCode2ListingEveryError()
    {
        var work = FederationSupport.NewWorkDirectory("gateway-settings");
        var output = Path.Combine(work, "gateway.log");
        var start = () => ManagedProcess.RunAsync("gateway", Executables.Gateway,
            ["--Gateway:Replicas:0=http://replica-0:7443", "--Gateway:ReplicaCaFile=" + Path.Combine(work, "missing-ca.crt"), "--Gateway:HealthCheckIntervalSeconds=0"],
            output, CommandBound, CancellationToken.None);
        var failed = (await start.Should().ThrowAsync<InvalidOperationException>()).Which;

        var log = failed.Message + await FederationSupport.ReadLogAsync(output);
        log.Should().Contain("exited with code 2").And.Contain("error: invalid settings:")
            .And.Contain("Gateway:Replicas:0 'http://replica-0:7443' must be an https:// URL")
            .And.Contain("missing-ca.crt does not exist")
            .And.Contain("Gateway:Tls:PfxFile")
            .And.Contain("Gateway:HealthCheckIntervalSeconds is 0");
        Directory.Delete(work, recursive: true);
    }

    /// <summary>
    /// An evaluator following one evaluation through the gateway as <c>partages watch</c> does: when the stream breaks
    /// (its replica was killed), it watches again, and the gateway sends it to a replica still alive.
    /// </summary>
    private sealed class Follower(EvaluatorClient evaluator, string id)
    {
        private readonly TaskCompletionSource _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<(Func<EvaluationView, bool> Condition, TaskCompletionSource<EvaluationView> Waiter)> _waiters = [];
        private readonly Lock _gate = new();
        private EvaluationView? _latest;

        public Task FirstUpdate => _first.Task;

        public int Resumed { get; private set; }

        public List<string> Errors { get; } = [];

        public async Task<EvaluationView> FollowToFinalAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                try
                {
                    return await evaluator.WatchUntilFinalAsync(id, Seen, cancellationToken);
                }
                catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown && !cancellationToken.IsCancellationRequested)
                {
                    // What partages watch retries on (WatchCommand.FollowAsync); the gateway says UNAVAILABLE when a replica dies.
                    Resumed++;
                    Errors.Add($"{ex.StatusCode}: {ex.Status.Detail}");
                    // Reconnection back-off, as the CLI's (not a synchronisation delay).
                    await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
                }
            }
        }

        /// <summary>The first update (from now on, or the latest seen) for which <paramref name="condition"/> holds.</summary>
        public async Task<EvaluationView> UntilAsync(Task following, Func<EvaluationView, bool> condition, CancellationToken cancellationToken)
        {
            // If following fails (a status partages watch would not retry), that failure is the test's, not a timeout.
            var waiting = Until(condition, cancellationToken);
            await Task.WhenAny(waiting, following);
            if (!waiting.IsCompleted)
            {
                await following;
                throw new InvalidOperationException("The evaluation ended before the awaited state was seen.");
            }

            return await waiting;
        }

        private Task<EvaluationView> Until(Func<EvaluationView, bool> condition, CancellationToken cancellationToken)
        {
            var waiter = new TaskCompletionSource<EvaluationView>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                if (_latest is not null && condition(_latest))
                {
                    return Task.FromResult(_latest);
                }

                _waiters.Add((condition, waiter));
            }

            return waiter.Task.WaitAsync(cancellationToken);
        }

        private void Seen(EvaluationView snapshot)
        {
            lock (_gate)
            {
                _latest = snapshot;
                foreach (var waiter in _waiters.Where(w => w.Condition(snapshot)).ToList())
                {
                    waiter.Waiter.TrySetResult(snapshot);
                    _waiters.Remove(waiter);
                }
            }

            _first.TrySetResult();
        }
    }
}
