using Partages.Evaluation.Specs;
using Partages.NodeAgent.Engine.Inference;
using Partages.NodeAgent.Tests.Audit;

namespace Partages.NodeAgent.Tests.Admission;

public sealed class ModelTrustCheckTests : TestDirectoryPerTest
{
    private RecordingLoggerProvider _logs = null!;
    private RecordingAuditLog _audit = null!;
    private System.Security.Cryptography.ECDsa _key = null!;

    [SetUp]
    public void Create()
    {
        _logs = new RecordingLoggerProvider();
        _audit = new RecordingAuditLog();
        _key = BundleSigning.CreateKey();
    }

    [TearDown]
    public void Delete()
    {
        _key.Dispose();
        _logs.Dispose();
    }

    [Test]
    public async Task CheckAsync_SignedByATrustedSigner_ReturnsTheSigner()
    {
        var (path, offer) = await SignedBundleAsync(TestBundles.Graph());

        var trusted = await Check().CheckAsync("run-1", offer, path, CancellationToken.None);

        trusted.SignerName.Should().Be("evaluator-team");
        trusted.KeyId.Should().Be(BundleSigning.KeyIdOf(_key));
        _audit.Entries.Should().BeEmpty();
        _logs.Entries.Should().ContainSingle(e => e.EventId.Id == 420).Which.Message.Should().Contain("evaluator-team");
    }

    [Test]
    public async Task CheckAsync_UnsignedBundle_RefusedAndAudited()
    {
        var (path, offer) = await SignedBundleAsync(TestBundles.Graph());
        offer.ModelSignature = null;

        var act = () => Check().CheckAsync("run-1", offer, path, CancellationToken.None);

        var refusal = (await act.Should().ThrowAsync<EvaluationRefusedException>()).Which;
        refusal.Message.Should().Contain("unsigned");
        _audit.Entries.Should().ContainSingle().Which.Should().Match<Partages.NodeAgent.Audit.AuditEntry>(e =>
            e.Event == ModelTrustCheck.RefusedEvent && e.RunId == "run-1" && e.Reason == refusal.Message && e.BundleSha256 == offer.ModelBundle.Sha256);
    }

    [Test]
    public async Task CheckAsync_SignedByAnUnknownKey_RefusedNamingTheKey()
    {
        var (path, offer) = await SignedBundleAsync(TestBundles.Graph());
        using var stranger = BundleSigning.CreateKey();
        offer.ModelSignature = BundleTrustTests.Wire(BundleSigning.Sign(offer.ModelBundle.Sha256, stranger));

        var act = () => Check().CheckAsync("run-1", offer, path, CancellationToken.None);

        (await act.Should().ThrowAsync<EvaluationRefusedException>()).Which.Message.Should().Contain(BundleSigning.KeyIdOf(stranger));
        _audit.Entries.Should().ContainSingle(e => e.Event == ModelTrustCheck.RefusedEvent);
    }

    [Test]
    public async Task CheckAsync_BundleChangedAfterSigning_Refused()
    {
        var original = TestBundles.Write(Scratch.Combine("original.zip"), TestBundles.Graph());
        var signature = BundleSigning.Sign(await ContentHash.OfFileAsync(original), _key);
        // The evaluator's bundle, one graph later: same signature, other bytes, offered under their new hash.
        var changed = TestBundles.Write(Scratch.Combine("changed.zip"), TestBundles.Graph(customDomain: "com.example"));
        var offer = Offers.For("run-1", await File.ReadAllBytesAsync(changed));
        offer.ModelSignature = BundleTrustTests.Wire(signature);

        var act = () => Check().CheckAsync("run-1", offer, changed, CancellationToken.None);

        (await act.Should().ThrowAsync<EvaluationRefusedException>()).Which.Message.Should().Contain("changed after signing");
    }

    [Test]
    public async Task CheckAsync_FileChangedOnDiskAfterDownload_Refused()
    {
        var (path, offer) = await SignedBundleAsync(TestBundles.Graph());
        await File.AppendAllTextAsync(path, "tampered");

        var act = () => Check().CheckAsync("run-1", offer, path, CancellationToken.None);

        (await act.Should().ThrowAsync<EvaluationRefusedException>()).Which.Message.Should().Contain("changed after download");
    }

    [Test]
    public async Task EvaluateAsync_GraphWithACustomOperator_RefusedNamingTheDomainBeforeOnnxRuntimeLoadsIt()
    {
        var dataset = await DatasetAsync();
        var path = TestBundles.Write(Scratch.Combine("custom.zip"), TestBundles.Graph(customDomain: "com.example"));
        var engine = new EvaluationEngine(new EvaluationEngineOptions());

        var act = () => engine.EvaluateAsync(new EvaluationJob(path, Spec(), dataset), null, CancellationToken.None);

        // ONNX Runtime itself would say "no op registered for FastGelu in domain com.example": this reason is ours.
        (await act.Should().ThrowAsync<EvaluationRefusedException>()).Which.Message
            .Should().Contain("needs custom operators").And.Contain("com.example::FastGelu (node 'custom')").And.Contain("opset import 'com.example'");
    }

    [Test]
    public async Task EvaluateAsync_CustomOperatorHiddenInAnIfBranch_Refused()
    {
        var dataset = await DatasetAsync();
        var path = TestBundles.Write(Scratch.Combine("custom.zip"), TestBundles.Graph(customDomain: "com.example", customInSubgraph: true));
        var engine = new EvaluationEngine(new EvaluationEngineOptions());

        var act = () => engine.EvaluateAsync(new EvaluationJob(path, Spec(), dataset), null, CancellationToken.None);

        (await act.Should().ThrowAsync<EvaluationRefusedException>()).Which.Message.Should().Contain("com.example::FastGelu (node 'hidden')");
    }

    [Test]
    public void FindCustom_StandardGraph_Nothing()
    {
        OperatorDomains.FindCustom(TestBundles.Graph()).Should().BeEmpty();
        OperatorDomains.Standard.Should().BeEquivalentTo(["", "ai.onnx", "ai.onnx.ml"]);
    }

    [Test]
    public void FindCustom_NotAnOnnxModel_Refused()
    {
        var act = () => OperatorDomains.FindCustom([0xff, 0xff, 0xff, 0x01], "model.onnx");

        act.Should().Throw<EvaluationRefusedException>().WithMessage("model.onnx is not a readable ONNX model*");
    }

    private ModelTrustCheck Check() => new(
        _audit,
        new NodePolicy { Datasets = [], Tasks = [], Models = BundleTrustTests.Trusting(_key) },
        _logs.CreateLogger<ModelTrustCheck>());

    private async Task<(string Path, JobOffer Offer)> SignedBundleAsync(byte[] graph)
    {
        var path = TestBundles.Write(Scratch.Combine("bundle.zip"), graph);
        var sha256 = await ContentHash.OfFileAsync(path);
        var offer = Offers.For("run-1", await File.ReadAllBytesAsync(path));
        offer.ModelSignature = BundleTrustTests.Wire(BundleSigning.Sign(sha256, _key));
        return (path, offer);
    }

    private async Task<DatasetDefinition> DatasetAsync()
    {
        var path = Scratch.Combine("amr.jsonl");
        await File.WriteAllTextAsync(path, """
            {"id": "1", "text": "blse positive", "label": "BLSE"}
            {"id": "2", "text": "sensible", "label": "sensible"}

            """);
        return new DatasetDefinition("amr-reports", path, "jsonl");
    }

    private static EvaluationSpec Spec() => SpecParser.Parse(Offers.SpecYaml()).Spec!;
}
