using System.Net.Http.Headers;
using System.Text.Json;
using Partages.Evaluation;
using EvaluationView = Partages.Contracts.V1.Evaluation;


namespace Partages.EndToEnd.Tests;

/// <summary>
/// Issue 5's "re-running the same evaluation on the same snapshots gives identical numbers", with real processes, and
/// the reproducibility manifest every pooled result carries (docs/results-schema.md).
/// </summary>
[NonParallelizable]
public sealed class ReproducibilityTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(5);

    [Test]
    public async Task Evaluation_SameSpecAndBundleSubmittedAgain_IdenticalPooledAndPerSiteResultsAndManifestsDifferingOnlyInIds()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        var work = FederationSupport.NewWorkDirectory("reproducible");
        var (pathA, pathB) = (TestAssets.Assets.Hospitals[0].AmrPath, TestAssets.Assets.Hospitals[1].AmrPath);
        // Exact counts: this test is about the computation being deterministic; under DP a recomputed release draws fresh noise.
        await using var federation = await LocalFederation.StartAsync(new FederationOptions { WorkDirectory = work, StartTimeout = TimeSpan.FromMinutes(3), DifferentialPrivacy = "off", PinnedBundleSha256 = [TestAssets.Assets.BundleSha256] }, cts.Token);
        var siteA = await federation.AddNodeAsync("site-a", [new NodeDataset("amr-reports", pathA)], cts.Token);
        var siteB = await federation.AddNodeAsync("site-b", [new NodeDataset("amr-reports", pathB)], cts.Token);
        var token = await federation.CreateApiTokenAsync("reproducer", "evaluator", cts.Token);
        using var channel = federation.CreateEvaluatorChannel(token);
        var evaluator = new EvaluatorClient(channel);
        var bundle = await evaluator.UploadBundleAsync(TestAssets.Assets.BundlePath, cts.Token);
        var spec = TestAssets.Spec(nodes: ["site-a", "site-b"], minSites: 2);
        var first = await evaluator.RunToEndAsync(spec, bundle.Sha256, cts.Token);

        // site-a answers the re-run from its release cache (the same request gets the bytes already released);
        // site-b forgets what it released, so its numbers are computed again from the model and the data.
        await siteB.Process.DisposeAsync();
        Directory.Delete(Path.Combine(siteB.DataDirectory, "release", "released"), recursive: true);
        siteB.Start();
        var second = await evaluator.RunToEndAsync(spec, bundle.Sha256, cts.Token);

        first.State.Should().Be(EvaluationState.Completed, first.Reason);
        second.State.Should().Be(EvaluationState.Completed, second.Reason);
        second.Id.Should().NotBe(first.Id);
        var runB = second.Runs.Single(r => r.NodeName == "site-b").Id;
        await siteB.Process.WaitForLineAsync(new Regex($@"Releasing the result of run {runB}\b"), TimeSpan.FromSeconds(30), cts.Token);
        (await FederationSupport.ReadLogAsync(siteB.Process.LogPath)).Should().NotContain($"Run {runB} repeats a request already released", "site-b must have computed its result again");
        await siteA.Process.WaitForLineAsync(new Regex($@"Run {second.Runs.Single(r => r.NodeName == "site-a").Id} repeats a request already released"), TimeSpan.FromSeconds(30), cts.Token);

        // The numbers: the whole pooled document (pooled, per site, heterogeneity) byte for byte, manifest aside.
        var (before, after) = (ResultJson.DeserializePooled(first.PooledResultJson), ResultJson.DeserializePooled(second.PooledResultJson));
        after.IncludedSites.Should().Equal("site-a", "site-b");
        after.Pooled!.NDocuments.Should().BePositive();
        ResultJson.Serialize(after).Should().Be(ResultJson.Serialize(before));
        foreach (var site in new[] { "site-a", "site-b" })
        {
            second.Runs.Single(r => r.NodeName == site).ResultJson.Should().Be(first.Runs.Single(r => r.NodeName == site).ResultJson, $"{site}'s released payload");
        }

        // The manifests: what the results were computed from, the same but for the evaluation's and runs' ids.
        var (m1, m2) = (ReproducibilityManifest.ReadFrom(first.PooledResultJson)!, ReproducibilityManifest.ReadFrom(second.PooledResultJson)!);
        m1.EvaluationId.Should().Be(first.Id);
        m2.EvaluationId.Should().Be(second.Id);
        m1.SpecSha256.Should().Be(ContentHash.Of(spec)).And.Be(first.SpecSha256);
        m1.ModelBundleSha256.Should().Be(TestAssets.Assets.BundleSha256);
        m1.CoordinatorVersion.Should().NotBeNullOrWhiteSpace();
        m1.Sites.Keys.Should().Equal("site-a", "site-b");
        m1.Sites["site-a"].DatasetFingerprint.Should().Be(await ContentHash.OfFileAsync(pathA, cts.Token));
        m1.Sites["site-b"].DatasetFingerprint.Should().Be(await ContentHash.OfFileAsync(pathB, cts.Token));
        foreach (var (site, part) in m1.Sites)
        {
            part.Dataset.Should().Be("amr-reports");
            part.AgentVersion.Should().NotBeNullOrWhiteSpace();
            part.OnnxruntimeVersion.Should().MatchRegex(@"^\d+\.\d+");
            part.RunId.Should().Be(first.Runs.Single(r => r.NodeName == site).Id);
            part.ResultSha256.Should().Be(ContentHash.Of(first.Runs.Single(r => r.NodeName == site).ResultJson));
        }

        WithoutIds(m2).Should().BeEquivalentTo(WithoutIds(m1));

        // The same manifest in the results JSON of the HTTP API (and so of `partages results --format json`).
        using var api = await GetApiAsync(federation, token, $"/api/v1/evaluations/{second.Id}", cts.Token);
        var manifest = api.RootElement.GetProperty("pooled_result").GetProperty("manifest");
        manifest.GetProperty("schema").GetString().Should().Be(ReproducibilityManifest.CurrentSchema);
        manifest.GetProperty("evaluation_id").GetString().Should().Be(second.Id);
        manifest.GetProperty("sites").GetProperty("site-b").GetProperty("dataset_fingerprint").GetString().Should().Be(m1.Sites["site-b"].DatasetFingerprint);
    }


    private static ReproducibilityManifest WithoutIds(ReproducibilityManifest manifest) => manifest with
    {
        EvaluationId = "",
        Sites = manifest.Sites.ToDictionary(s => s.Key, s => s.Value with { RunId = "" }),
    };

    private static async Task<JsonDocument> GetApiAsync(LocalFederation federation, string token, string path, CancellationToken cancellationToken)
    {
        using var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = federation.CoordinatorCertificateValidator();
        using var client = new HttpClient(handler) { BaseAddress = federation.CoordinatorUrl };
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await client.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
    }
}
