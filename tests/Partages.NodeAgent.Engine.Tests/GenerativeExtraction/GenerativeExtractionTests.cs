using FluentAssertions;
using NUnit.Framework;
using Partages.Evaluation.Results;
using Partages.Evaluation.Specs;
using Partages.Evaluation.Tasks.GenerativeExtraction;
using Partages.ModelKit.Generative;

namespace Partages.NodeAgent.Engine.Tests.GenerativeExtraction;

/// <summary>
/// generative_extraction end to end in the engine: the model kit's generative bundle (a real ONNX graph with a
/// key/value cache, decoded by the engine's constrained greedy loop on ONNX Runtime) over a hospital's fictional
/// oncology reports. The model must extract most fields, imperfectly; limits and bad bundles are counted or refused.
/// </summary>
[TestFixture]
public sealed class GenerativeExtractionTests
{
    private string _root = null!;
    private GenerativeBundleFiles _built = null!;

    [OneTimeSetUp]
    public void Build()
    {
        _root = Path.Combine(Path.GetTempPath(), "partages-genext-" + Guid.NewGuid().ToString("N")[..8]);
        _built = GenerativeBundleBuilder.Build(Path.Combine(_root, "kit"));
    }

    [OneTimeTearDown]
    public void CleanUp()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Test]
    public async Task EvaluateLocally_KitBundleOnHospitalReports_ExtractsMostFieldsWithValidJson()
    {
        var (slug, path, count) = _built.Datasets[2];
        var predictions = new CollectingSink();

        var result = await Engine().EvaluateLocallyAsync(Job(_built.BundlePath, path), predictions, null, CancellationToken.None);

        var section = result.Generative!;
        TestContext.Out.WriteLine($"{slug}: accuracy {result.Accuracy:P1}; outputs {string.Join(", ", section.Outputs.Select(o => $"{o.Key}={o.Value}"))}");
        foreach (var field in section.Fields)
        {
            TestContext.Out.WriteLine($"{field.Name}: accuracy {field.Result.Accuracy:P1} [{string.Join(" | ", field.Result.ConfusionMatrix.Matrix.Select(r => string.Join(" ", r)))}]");
        }

        foreach (var line in predictions.Lines.Take(3))
        {
            TestContext.Out.WriteLine($"{line.Outcome}: [{line.Output}]");
        }

        result.InputSummary.DocumentsEvaluated.Should().Be(count);
        section.Generations.Should().Be(count);
        section.Outputs[GenerativeSection.Valid].Should().Be(count, "the constraint keeps every output inside the contract");
        section.InvalidRate.Should().Be(0);
        // Rows 0 and 1 are gold positif and négatif (the report names the driver): the extractor reads those. For a driver
        // the report never names (gold inconnu) it answers the nearest other biomarker's status: imperfect by design.
        long named = 0, namedRight = 0;
        foreach (var field in section.Fields)
        {
            var m = field.Result.ConfusionMatrix.Matrix;
            named += m[0].Sum() + m[1].Sum();
            namedRight += m[0][0] + m[1][1];
        }

        TestContext.Out.WriteLine($"named fields: {namedRight}/{named}");
        ((double)namedRight / named).Should().BeGreaterThan(0.85, "the hand-set extractor reads the statuses the reports state");
        result.Accuracy.Should().BeLessThan(1.0, "it is imperfect");
        predictions.Lines.Should().HaveCount(count);
        predictions.Lines[0].Output.Should().EndWith("\"}");
    }

    [Test]
    public async Task EvaluateLocally_NeverStoppingModel_CountsTokenBudgetAsInvalidNotFatal()
    {
        var neverStops = GenerativeBundleBuilder.Build(Path.Combine(_root, "never"), neverStops: true, maxNewTokens: 3, scale: 0.1);
        var (_, path, count) = neverStops.Datasets[2];

        var result = await Engine().EvaluateLocallyAsync(Job(neverStops.BundlePath, path), null, null, CancellationToken.None);

        var section = result.Generative!;
        TestContext.Out.WriteLine(string.Join(", ", section.Outputs.Select(o => $"{o.Key}={o.Value}")));
        section.Generations.Should().Be(count);
        section.Outputs[InvalidKinds.TokenBudget].Should().BeGreaterThan(0);
        section.InvalidRate.Should().BeGreaterThan(0);
        section.Fields[0].Result.ConfusionMatrix.Matrix.Sum(row => row[^1]).Should().Be(section.Invalid, "an invalid output is wrong for the field, never skipped");
    }

    [Test]
    public async Task EvaluateLocally_ContextShorterThanReports_TruncatesAndCounts()
    {
        var small = GenerativeBundleBuilder.Build(Path.Combine(_root, "small"), contextLength: 120, scale: 0.1);
        var (_, path, count) = small.Datasets[0];

        var result = await Engine().EvaluateLocallyAsync(Job(small.BundlePath, path), null, null, CancellationToken.None);

        result.Generative!.Truncated.Should().BeGreaterThan(0).And.BeLessThanOrEqualTo(count);
        result.Generative.Generations.Should().Be(count);
    }

    [Test]
    public async Task EvaluateLocally_SpecTemplateWithUnknownPlaceholder_Refused()
    {
        var (_, path, _) = _built.Datasets[2];
        var job = Job(_built.BundlePath, path) with { Spec = Spec(path) with { PromptTemplate = "{{report}} {{patient}}" } };

        var act = () => Engine().EvaluateLocallyAsync(job, null, null, CancellationToken.None);

        (await act.Should().ThrowAsync<EvaluationRefusedException>()).Which.Message.Should().Contain("{{patient}}");
    }

    [Test]
    public async Task EvaluateLocally_SpecFieldsDifferFromBundle_RefusedBeforeAnyDocument()
    {
        var (_, path, _) = _built.Datasets[2];
        var job = Job(_built.BundlePath, path) with { Spec = Spec(path) with { Labels = ["ALK", "EGFR", "KRAS"] } };

        var act = () => Engine().EvaluateLocallyAsync(job, null, null, CancellationToken.None);

        (await act.Should().ThrowAsync<EvaluationRefusedException>()).Which.Message.Should().Contain("fields in order");
    }

    [Test]
    public void ParseSpec_UnknownPlaceholder_RefusedAtSubmission()
    {
        var yaml = "version: 1\nname: x\ntask: generative_extraction\ndataset: d\nlabels: [EGFR]\nprompt_template: \"{{report}} {{age}}\"\n";

        var parsed = SpecParser.Parse(yaml);

        parsed.Spec.Should().BeNull();
        parsed.Errors.Should().ContainSingle(e => e.Message.Contains("{{age}}"));
    }

    private static EvaluationEngine Engine() => new(new EvaluationEngineOptions());

    private static EvaluationSpec Spec(string path) => new()
    {
        Name = "extraction",
        Task = GenerativeExtractionTask.TaskName,
        Dataset = "oncology-extraction",
        Labels = [.. GenerativeBundleBuilder.DefaultFields],
    };

    private static EvaluationJob Job(string bundle, string path) =>
        new(bundle, Spec(path), new DatasetDefinition("oncology-extraction", path, "jsonl"));
}
