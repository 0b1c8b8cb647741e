using FluentAssertions.Specialized;

namespace Partages.NodeAgent.Engine.Tests;

/// <summary>What the engine refuses before reading a report: graphs, models, labels, datasets and bundles that do not fit.</summary>
public sealed class EvaluationEngineRefusalTests : EngineJobTestBase
{
    private static readonly string OneReport = Line("x", "souche", "sensible");

    [Test]
    public async Task EvaluateAsync_GraphInputNamesDifferFromManifest_RefusesNamingTheMismatch()
    {
        var refusal = await Refusal(Job(Manifest, Graph with { InputIds = "ids", AttentionMask = "mask" }, OneReport));
        refusal.Which.Message.Should()
            .Contain("manifest input 'input_ids' is not an input of the graph (graph inputs: ids, mask)").And
            .Contain("manifest input 'attention_mask' is not an input of the graph").And
            .Contain("graph input 'ids' is required but the manifest does not name it");
    }

    [Test]
    public async Task EvaluateAsync_GraphRequiresAnInputTheManifestOmits_Refuses()
    {
        await Refusal(Job(Manifest, Graph with { ExtraInput = "position_ids" }, OneReport))
            .WithMessage("*graph input 'position_ids' is required but the manifest does not name it (manifest inputs: input_ids, attention_mask)*");
    }

    [Test]
    public async Task EvaluateAsync_LogitsLastDimensionDiffersFromLabelCount_Refuses()
    {
        await Refusal(Job(Manifest, Graph with { DeclaredClasses = 3, Classes = 3 }, OneReport))
            .WithMessage("*graph output 'logits' has 3 classes in its last dimension but the manifest lists 4 labels*");
    }

    [Test]
    public async Task EvaluateAsync_LogitsOutputNameDiffers_Refuses()
    {
        await Refusal(Job(Manifest, Graph with { Logits = "scores" }, OneReport))
            .WithMessage("*manifest output 'logits' is not an output of the graph (graph outputs: scores)*");
    }

    [Test]
    public async Task EvaluateAsync_ModelIsNotOnnx_Refuses()
    {
        var job = Job(Manifest, null, OneReport) with
        {
            BundlePath = WriteBundle(Temp.File("garbage.zip"), model: Utf8("this is not a protobuf graph")),
        };

        await Refusal(job).WithMessage("model.onnx is not a readable ONNX model*");
    }

    [Test]
    public async Task EvaluateAsync_SpecLabelsDifferFromModelLabels_RefusesNamingBothLists()
    {
        var job = Job(OneReport);
        job = job with { Spec = job.Spec with { Labels = ["sensible", "BLSE", "SARM", "ERV"] } };

        (await Refusal(job)).Which.Message.Should()
            .Be("the spec's labels [sensible, BLSE, SARM, ERV] differ from the model's labels [sensible, BLSE, SARM, EPC]");
    }

    [Test]
    public async Task EvaluateAsync_DatasetFileMissing_RefusesNamingTheDataset()
    {
        var job = Job(OneReport);
        job = job with { Dataset = job.Dataset with { Path = Temp.File("absent.jsonl") } };

        await Refusal(job).WithMessage("dataset 'amr-reports' file not found*absent.jsonl");
    }

    [Test]
    public async Task EvaluateAsync_DatasetFormatUnknown_Refuses()
    {
        var job = Job(OneReport);
        job = job with { Dataset = job.Dataset with { Format = "xml" } };

        await Refusal(job).WithMessage("dataset 'amr-reports' has format 'xml'*supported: jsonl, csv, brat*");
    }

    [Test]
    public async Task EvaluateAsync_BundleFileMissing_Refuses()
    {
        var job = Job(OneReport) with { BundlePath = Temp.File("absent.zip") };

        await Refusal(job).WithMessage("model bundle not found*");
    }

    private static Task<ExceptionAssertions<EvaluationRefusedException>> Refusal(EvaluationJob job)
    {
        var act = () => new EvaluationEngine().EvaluateAsync(job, null, CancellationToken.None);
        return act.Should().ThrowAsync<EvaluationRefusedException>();
    }
}
