namespace Partages.Coordinator.Tests.Results;

/// <summary>The reproducibility manifest: each node's part, sent with its result, gathered into the pooled document.</summary>
[TestFixture(TestDatabaseKind.Sqlite)]
[TestFixture(TestDatabaseKind.PostgreSql)]
public sealed class ManifestTests(TestDatabaseKind database) : EvaluatorFixture(database)
{
    private static readonly long[][] Matrix = [[10, 1, 0, 0], [2, 8, 0, 0], [0, 0, 5, 1], [0, 0, 0, 3]];

    [Test]
    public async Task Close_SitesSentTheirParts_PooledDocumentCarriesTheManifestOfTheIncludedSitesOnly()
    {
        var fingerprint = ContentHash.Of("site a's snapshot");
        var spec = Evaluations.Spec("manifest", minSites: 3);
        await using var accepted = await AcceptedSites.StartAsync(Server, Evaluator, Bundle, spec, "m-a", "m-old", "m-odd", "m-gone");
        var (evaluation, sites) = (accepted.Evaluation, accepted.Sites);

        var result = Evaluations.SiteResult(Matrix);
        await SubmitAsync(sites[0].Node, sites[0].RunId, result, new RunManifest { Dataset = "amr-reports", DatasetFingerprint = fingerprint.ToUpperInvariant(), AgentVersion = "1.4.0", OnnxruntimeVersion = "1.31.1" });
        // An agent from before manifests sends none; another sends a fingerprint that is no SHA-256.
        await SubmitAsync(sites[1].Node, sites[1].RunId, result, manifest: null);
        await SubmitAsync(sites[2].Node, sites[2].RunId, result, new RunManifest { Dataset = " amr ", DatasetFingerprint = "not-a-hash", AgentVersion = new string('9', 500) });
        await sites[3].Session.SendAsync(new NodeMessage { Failed = new JobFailed { RunId = sites[3].RunId, Reason = "test" } });
        var final = await Evaluations.WatchUntilAsync(Evaluator, evaluation.Id, e => e.State != EvaluationState.Running);

        final.State.Should().Be(EvaluationState.Completed, final.Reason);
        var manifest = ReproducibilityManifest.ReadFrom(final.PooledResultJson);
        manifest.Should().NotBeNull();
        manifest!.EvaluationId.Should().Be(evaluation.Id);
        manifest.SpecSha256.Should().Be(ContentHash.Of(spec));
        manifest.ModelBundleSha256.Should().Be(Bundle);
        manifest.CoordinatorVersion.Should().NotBeNullOrWhiteSpace();
        manifest.Sites.Keys.Should().Equal("m-a", "m-odd", "m-old");
        manifest.Sites["m-a"].Should().Be(new SiteManifest
        {
            RunId = sites[0].RunId,
            Dataset = "amr-reports",
            DatasetFingerprint = fingerprint,
            AgentVersion = "1.4.0",
            OnnxruntimeVersion = "1.31.1",
            ResultSha256 = ContentHash.Of(result),
        });
        manifest.Sites["m-old"].Should().Be(new SiteManifest { RunId = sites[1].RunId, ResultSha256 = ContentHash.Of(result) });
        manifest.Sites["m-odd"].Dataset.Should().Be("amr");
        manifest.Sites["m-odd"].DatasetFingerprint.Should().BeNull("a fingerprint that is not a SHA-256 is not passed on");
        manifest.Sites["m-odd"].AgentVersion.Should().HaveLength(200);
        ResultJson.DeserializePooled(final.PooledResultJson).IncludedSites.Should().Equal("m-a", "m-odd", "m-old");
    }

    private static async Task SubmitAsync(TestNode node, string runId, string resultJson, RunManifest? manifest)
    {
        var response = await node.Client.SubmitResultAsync(
            new SubmitResultRequest { RunId = runId, ResultJson = resultJson, ResultSha256 = ContentHash.Of(resultJson), Manifest = manifest },
            deadline: TestCoordinator.Deadline()).ResponseAsync;
        response.Stored.Should().BeTrue();
    }
}
