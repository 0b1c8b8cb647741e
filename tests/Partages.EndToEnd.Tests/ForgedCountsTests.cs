using System.Security.Cryptography;
using System.Text;
using Partages.Evaluation.Metrics;
using EvaluationView = Partages.Contracts.V1.Evaluation;

namespace Partages.EndToEnd.Tests;

/// <summary>
/// Issue 22, finding 5, with real processes: a hospital node submits its counts × 1000 over mTLS with its own
/// certificate (nothing a coordinator can tell from an honest submission but the figures). The coordinator holds the
/// result to the dataset size the node announced in its hello: the result is refused with FAILED_PRECONDITION, the
/// run fails with the figures and the announced size, and the pooled result is the honest site's alone. The honest
/// site's real result, released by its real agent, passes the same check.
/// </summary>
[NonParallelizable]
public sealed class ForgedCountsTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(6);

    [Test]
    public async Task SubmitResult_CountsTimesAThousandWithTheNodesOwnCertificate_RefusedAndNotPooled()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        var work = TestAssets.NewDirectory("forged");
        await using var federation = await LocalFederation.StartAsync(new FederationOptions { WorkDirectory = work, PinnedBundleSha256 = [TestAssets.Assets.BundleSha256] }, cts.Token);
        // The forger's agent holds its job for an approval that never comes: its run stays open for the forged result.
        var forger = await federation.AddNodeAsync("site-forger", [new NodeDataset("amr-reports", TestAssets.Assets.Hospitals[0].AmrPath)], new NodeSettings { Approval = "manual" }, cts.Token);
        await federation.AddNodeAsync("site-honest", [new NodeDataset("amr-reports", TestAssets.Assets.Hospitals[1].AmrPath)], cts.Token);
        using var evaluatorChannel = federation.CreateEvaluatorChannel(await federation.CreateApiTokenAsync("forged-counts", "evaluator"));
        var evaluator = new EvaluatorClient(evaluatorChannel);
        var bundle = await evaluator.UploadBundleAsync(TestAssets.Assets.BundlePath, cts.Token);
        var id = (await evaluator.SubmitAsync(TestAssets.Spec(nodes: ["site-forger", "site-honest"], minSites: 1), bundle.Sha256, cancellationToken: cts.Token)).Id;
        var honestDone = new TaskCompletionSource<EvaluationView>(TaskCreationOptions.RunContinuationsAsynchronously);
        var watch = evaluator.WatchUntilFinalAsync(id, snapshot =>
        {
            if (snapshot.Runs.Any(r => r.NodeName == "site-honest" && r.State == RunState.Succeeded))
            {
                honestDone.TrySetResult(snapshot);
            }
        }, cts.Token);
        var honest = (await honestDone.Task.WaitAsync(cts.Token)).Runs.Single(r => r.NodeName == "site-honest");
        var forgerRun = (await evaluator.GetAsync(id, cts.Token)).Runs.Single(r => r.NodeName == "site-forger");
        var forged = TimesAThousand(honest.ResultJson);
        var nodes = await evaluator.ListNodesAsync(cts.Token);
        var announced = nodes.Single(n => n.Name == "site-forger").Datasets.Single().ApproximateDocuments;

        using var asForger = NodeChannels.For(federation.CoordinatorUrl, forger.DataDirectory);
        var submit = async () => await new NodeService.NodeServiceClient(asForger).SubmitResultAsync(
            new SubmitResultRequest { RunId = forgerRun.Id, ResultJson = forged.Json, ResultSha256 = Sha256(forged.Json) }, cancellationToken: cts.Token);
        var refusal = (await submit.Should().ThrowAsync<RpcException>()).Which;
        var final = await watch;

        refusal.StatusCode.Should().Be(StatusCode.FailedPrecondition);
        refusal.Status.Detail.Should().Contain($"n_documents is {forged.Documents}").And.Contain($"input_summary.documents_read is {forged.Read}")
            .And.Contain($"announced about {announced} documents for dataset 'amr-reports'");
        final.State.Should().Be(EvaluationState.Completed, final.Reason);
        var forgerFinal = final.Runs.Single(r => r.NodeName == "site-forger");
        forgerFinal.State.Should().Be(RunState.Failed);
        forgerFinal.Reason.Should().StartWith("implausible result: ").And.Contain($"n_documents is {forged.Documents}");
        final.Runs.Single(r => r.NodeName == "site-honest").State.Should().Be(RunState.Succeeded, "the honest agent's real result fits its announced dataset");
        var pooled = ResultJson.DeserializePooled(final.PooledResultJson);
        pooled.IncludedSites.Should().Equal("site-honest");
        pooled.Pooled!.NDocuments.Should().Be(ResultJson.DeserializeSite(honest.ResultJson).NDocuments, "nothing of the forged counts is pooled");
    }

    /// <summary>A well-formed result whose every count is the honest one × 1000: what finding 5's node sent.</summary>
    private static (string Json, long Documents, long Read) TimesAThousand(string honestJson)
    {
        var honest = ResultJson.DeserializeSite(honestJson);
        // The honest release is noisy (differential privacy by default): a cell may be negative, so clip before scaling
        // to build a well-formed exact-looking forgery.
        var labels = honest.ConfusionMatrix.Labels;
        var scaled = new ClassificationCounts(labels);
        for (var g = 0; g < labels.Count; g++)
        {
            for (var p = 0; p < labels.Count; p++)
            {
                scaled.Add(g, p, Math.Max(0, honest.ConfusionMatrix.Matrix[g][p]) * 1000);
            }
        }

        var summary = new InputSummary
        {
            DocumentsRead = honest.InputSummary.DocumentsRead * 1000,
            DocumentsEvaluated = scaled.DocumentCount,
            Skipped = honest.InputSummary.Skipped.ToDictionary(s => s.Key, s => Math.Max(0, s.Value) * 1000, StringComparer.Ordinal),
        };
        return (ResultJson.Serialize(ResultDocument.FromCounts(honest.Task, scaled, summary)), scaled.DocumentCount, summary.DocumentsRead);
    }

    private static string Sha256(string json) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json)));
}
