using Partages.Contracts.V1;
using Partages.Coordinator.Tests.Infrastructure;
using Partages.Evaluation;
using Partages.Evaluation.Results;

namespace Partages.Coordinator.Tests.Results;

/// <summary>The reproducibility manifest: each node's part, sent with its result, gathered into the pooled document.</summary>
public sealed class ManifestTests
{
    private static readonly long[][] Matrix = [[10, 1, 0, 0], [2, 8, 0, 0], [0, 0, 5, 1], [0, 0, 0, 3]];

    private TestCoordinator _coordinator = null!;
    private EvaluationService.EvaluationServiceClient _evaluator = null!;
    private string _bundle = "";

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _coordinator = await TestCoordinator.StartAsync();
        _evaluator = _coordinator.EvaluatorClient(await _coordinator.ApiTokenAsync("manifest-evaluator", "evaluator"));
        _bundle = (await Evaluations.UploadBundleAsync(_evaluator, seed: 21)).Sha256;
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        var errors = _coordinator.Errors.Errors.ToList();
        await _coordinator.DisposeAsync();
        errors.Should().BeEmpty();
    }

    [Test]
    public async Task Close_SitesSentTheirParts_PooledDocumentCarriesTheManifestOfTheIncludedSitesOnly()
    {
        var fingerprint = ContentHash.Of("site a's snapshot");
        var nodes = new[] { await _coordinator.EnrollNodeAsync("m-a"), await _coordinator.EnrollNodeAsync("m-old"), await _coordinator.EnrollNodeAsync("m-odd"), await _coordinator.EnrollNodeAsync("m-gone") };
        var sessions = new List<NodeSessionClient>();
        foreach (var node in nodes)
        {
            sessions.Add(await node.ConnectAsync());
            await sessions[^1].ReadWelcomeAsync();
        }

        var spec = Evaluations.Spec("manifest", minSites: 3);
        var evaluation = await Evaluations.SubmitAsync(_evaluator, _bundle, spec, [.. nodes.Select(n => n.Name)]);
        var offers = new List<JobOffer>();
        foreach (var session in sessions)
        {
            offers.Add(await session.ReadOfferAsync());
            await session.AcceptAsync(offers[^1].RunId);
        }

        var result = Evaluations.SiteResult(Matrix);
        await SubmitAsync(nodes[0], offers[0].RunId, result, new RunManifest { Dataset = "amr-reports", DatasetFingerprint = fingerprint.ToUpperInvariant(), AgentVersion = "1.4.0", OnnxruntimeVersion = "1.31.1" });
        // An agent from before manifests sends none; another sends a fingerprint that is no SHA-256.
        await SubmitAsync(nodes[1], offers[1].RunId, result, manifest: null);
        await SubmitAsync(nodes[2], offers[2].RunId, result, new RunManifest { Dataset = " amr ", DatasetFingerprint = "not-a-hash", AgentVersion = new string('9', 500) });
        await sessions[3].SendAsync(new NodeMessage { Failed = new JobFailed { RunId = offers[3].RunId, Reason = "test" } });
        var final = await Evaluations.WatchUntilAsync(_evaluator, evaluation.Id, e => e.State != EvaluationState.Running);

        final.State.Should().Be(EvaluationState.Completed, final.Reason);
        var manifest = ReproducibilityManifest.ReadFrom(final.PooledResultJson);
        manifest.Should().NotBeNull();
        manifest!.EvaluationId.Should().Be(evaluation.Id);
        manifest.SpecSha256.Should().Be(ContentHash.Of(spec));
        manifest.ModelBundleSha256.Should().Be(_bundle);
        manifest.CoordinatorVersion.Should().NotBeNullOrWhiteSpace();
        manifest.Sites.Keys.Should().Equal("m-a", "m-odd", "m-old");
        manifest.Sites["m-a"].Should().Be(new SiteManifest
        {
            RunId = offers[0].RunId,
            Dataset = "amr-reports",
            DatasetFingerprint = fingerprint,
            AgentVersion = "1.4.0",
            OnnxruntimeVersion = "1.31.1",
            ResultSha256 = ContentHash.Of(result),
        });
        manifest.Sites["m-old"].Should().Be(new SiteManifest { RunId = offers[1].RunId, ResultSha256 = ContentHash.Of(result) });
        manifest.Sites["m-odd"].Dataset.Should().Be("amr");
        manifest.Sites["m-odd"].DatasetFingerprint.Should().BeNull("a fingerprint that is not a SHA-256 is not passed on");
        manifest.Sites["m-odd"].AgentVersion.Should().HaveLength(200);
        ResultJson.DeserializePooled(final.PooledResultJson).IncludedSites.Should().Equal("m-a", "m-odd", "m-old");
        foreach (var session in sessions)
        {
            await session.DisposeAsync();
        }
    }

    private static async Task SubmitAsync(TestNode node, string runId, string resultJson, RunManifest? manifest)
    {
        var response = await node.Client.SubmitResultAsync(
            new SubmitResultRequest { RunId = runId, ResultJson = resultJson, ResultSha256 = ContentHash.Of(resultJson), Manifest = manifest },
            deadline: TestCoordinator.Deadline()).ResponseAsync;
        response.Stored.Should().BeTrue();
    }
}
