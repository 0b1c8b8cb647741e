using System.Security.Cryptography;
using System.Text;

namespace Partages.EndToEnd.Tests;

/// <summary>
/// Issue 5's duplicate submission with real processes: after a real node agent's result was stored and the
/// evaluation closed, the same SubmitResult arrives again over mTLS with that node's own certificate (what a
/// node does when the acknowledgement was lost in a cut). It must be accepted once: answered "not stored",
/// and nothing the evaluator sees changes. A different payload for the same run, or the run claimed by another
/// node, is refused.
/// </summary>
[NonParallelizable]
public sealed class DuplicateSubmissionTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(6);

    [Test]
    public async Task SubmitResult_ReplayedByTheNodeAfterTheEvaluationClosed_AcceptedOnceAndNothingChanges()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        var work = TestAssets.NewDirectory("duplicate");
        await using var federation = await LocalFederation.StartAsync(new FederationOptions { WorkDirectory = work, PinnedBundleSha256 = [TestAssets.Assets.BundleSha256] }, cts.Token);
        var siteA = await federation.AddNodeAsync("site-a", [new NodeDataset("amr-reports", TestAssets.Assets.Hospitals[0].AmrPath)], cts.Token);
        var siteB = await federation.AddNodeAsync("site-b", [new NodeDataset("amr-reports", TestAssets.Assets.Hospitals[1].AmrPath)], cts.Token);
        using var evaluatorChannel = federation.CreateEvaluatorChannel(await federation.CreateApiTokenAsync("duplicates", "evaluator", cts.Token));
        var evaluator = new EvaluatorClient(evaluatorChannel);
        var bundle = await evaluator.UploadBundleAsync(TestAssets.Assets.BundlePath, cts.Token);
        var id = (await evaluator.SubmitAsync(TestAssets.Spec(nodes: ["site-a", "site-b"], minSites: 2), bundle.Sha256, cancellationToken: cts.Token)).Id;
        var before = await evaluator.WatchUntilFinalAsync(id, cancellationToken: cts.Token);
        before.State.Should().Be(EvaluationState.Completed, before.Reason);
        var run = before.Runs.Single(r => r.NodeName == "site-a");
        var replay = new SubmitResultRequest { RunId = run.Id, ResultJson = run.ResultJson, ResultSha256 = Sha256(run.ResultJson) };

        using var asSiteA = NodeChannels.For(federation.CoordinatorUrl, siteA.DataDirectory);
        var duplicate = await new NodeService.NodeServiceClient(asSiteA).SubmitResultAsync(replay, cancellationToken: cts.Token);
        // The same numbers in other bytes: still another payload, so another hash.
        var altered = replay.ResultJson + "\n";
        var different = async () => await new NodeService.NodeServiceClient(asSiteA).SubmitResultAsync(
            new SubmitResultRequest { RunId = run.Id, ResultJson = altered, ResultSha256 = Sha256(altered) }, cancellationToken: cts.Token);
        using var asSiteB = NodeChannels.For(federation.CoordinatorUrl, siteB.DataDirectory);
        var claimed = async () => await new NodeService.NodeServiceClient(asSiteB).SubmitResultAsync(replay, cancellationToken: cts.Token);

        duplicate.Stored.Should().BeFalse("the coordinator already holds this run's result");
        (await different.Should().ThrowAsync<RpcException>()).Which.StatusCode.Should().Be(StatusCode.AlreadyExists);
        (await claimed.Should().ThrowAsync<RpcException>()).Which.StatusCode.Should().Be(StatusCode.PermissionDenied);
        var after = await evaluator.GetAsync(id, cts.Token);
        after.PooledResultJson.Should().Be(before.PooledResultJson, "a duplicate is counted once");
        after.Runs.Select(r => (r.NodeName, r.State, r.ResultJson)).Should().Equal(before.Runs.Select(r => (r.NodeName, r.State, r.ResultJson)));
    }

    private static string Sha256(string json) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json)));
}
