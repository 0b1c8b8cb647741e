namespace Partages.NodeAgent.Tests.Admission;

public sealed class OfferCheckTests
{
    private static readonly NodeConfig Config = new()
    {
        Name = "chu-test",
        CoordinatorUrl = new Uri("https://127.0.0.1:1"),
        DataDirectory = "/tmp/node-data",
        Datasets = [new DatasetDefinition("amr-reports", "/data/amr.jsonl", "jsonl")],
        SourcePath = "/tmp/node.yaml",
    };

    [Test]
    public void Decide_ValidOffer_AcceptsWithParsedSpecAndDataset()
    {
        var decision = OfferCheck.Decide(Offers.For("r", Offers.Bundle(10)), Config);

        decision.Accepted.Should().BeTrue();
        decision.Spec!.Labels.Should().Equal("sensible", "BLSE");
        decision.Dataset!.Path.Should().Be("/data/amr.jsonl");
    }

    [Test]
    public void Decide_UnknownDataset_RejectsNamingIt()
    {
        var decision = OfferCheck.Decide(Offers.For("r", Offers.Bundle(10), dataset: "oncology"), Config);

        decision.RejectionReason.Should().Be("dataset 'oncology' is not exposed by this node");
    }

    [Test]
    public void Decide_InvalidSpec_RejectsWithEveryErrorAndItsLine()
    {
        const string spec = "version: 1\nname: Bad Name\ntask: regression\ndataset: amr-reports\nlabels: [a]\n";

        var decision = OfferCheck.Decide(Offers.For("r", Offers.Bundle(10), specYaml: spec), Config);

        decision.RejectionReason.Should().StartWith("the evaluation spec is invalid: ")
            .And.Contain("line 2").And.Contain("line 3").And.Contain("line 5");
    }

    [Test]
    public void Decide_SpecHashMismatch_Rejects()
    {
        var offer = Offers.For("r", Offers.Bundle(10));
        offer.SpecSha256 = ContentHash.Of("something else");

        var decision = OfferCheck.Decide(offer, Config);

        decision.RejectionReason.Should().Contain("SHA-256").And.Contain(offer.SpecSha256);
    }

    [Test]
    public void Decide_SpecAsksForAnotherDataset_Rejects()
    {
        var offer = Offers.For("r", Offers.Bundle(10), specYaml: Offers.SpecYaml("other-data"));

        var decision = OfferCheck.Decide(offer, Config);

        decision.RejectionReason.Should().Be("the spec asks for dataset 'other-data' but the offer names 'amr-reports'");
    }

    [Test]
    public void Decide_NoModelBundle_Rejects()
    {
        var offer = Offers.For("r", Offers.Bundle(10));
        offer.ModelBundle = null;

        OfferCheck.Decide(offer, Config).RejectionReason.Should().Contain("model bundle");
    }

    private const string QcSpec = "version: 1\nname: amr-qc\ntask: dataset_qc\ndataset: amr-reports\nlabels: [sensible, BLSE]\n";

    [Test]
    public void Decide_ModelFreeTaskWithoutABundle_AcceptsWithAnEmptyBundleReference()
    {
        var offer = Offers.For("r", Offers.Bundle(10), specYaml: QcSpec);
        offer.ModelBundle = null;
        offer.ModelSignature = null;

        var decision = OfferCheck.Decide(offer, Config);

        decision.Accepted.Should().BeTrue(decision.RejectionReason);
        offer.ModelBundle.Should().NotBeNull();
        offer.ModelBundle!.Sha256.Should().BeEmpty();
    }

    [Test]
    public void Decide_ModelOptionalTaskNamingAValidBundle_AcceptsItForTheUsualChecks()
    {
        var offer = Offers.For("r", Offers.Bundle(10), specYaml: QcSpec);

        var decision = OfferCheck.Decide(offer, Config);

        decision.Accepted.Should().BeTrue(decision.RejectionReason);
        offer.ModelBundle!.Sha256.Should().HaveLength(64, "the bundle is kept, so the runner downloads and trusts it like a model's");
    }

    [Test]
    public void Decide_ModelOptionalTaskNamingAMalformedBundle_RejectsLikeAModelTask()
    {
        var offer = Offers.For("r", Offers.Bundle(10), specYaml: QcSpec);
        offer.ModelBundle.SizeBytes = 0;

        OfferCheck.Decide(offer, Config).RejectionReason.Should().Be("the offer names no valid model bundle (sha256 and size)");
    }
}
