namespace Partages.Evaluation.Tests.Bundles;

public sealed class ModelManifestTests
{
    private const string ManifestWithoutWindowFields = """
        {
          "schema": "partages.model-bundle/v1",
          "name": "amr",
          "task": "single_label_classification",
          "labels": ["sensible", "BLSE"],
          "max_length": 128,
          "tokenizer": { "kind": "bert_wordpiece", "vocab": "vocab.txt" }
        }
        """;

    [Test]
    public void FromJson_ManifestWithoutTheNewFields_DefaultsToTruncationMeanAndHalf()
    {
        var manifest = ModelManifest.FromJson(ManifestWithoutWindowFields);

        manifest.Stride.Should().Be(0);
        manifest.WindowAggregation.Should().Be(WindowAggregations.Mean);
        manifest.Threshold.Should().Be(0.5);
    }

    [Test]
    public void FromJson_WindowAndThresholdFields_RoundTrip()
    {
        var manifest = ModelManifest.FromJson(ManifestWithoutWindowFields) with
        {
            Task = TaskTypes.MultiLabelClassification,
            Stride = 32,
            WindowAggregation = WindowAggregations.Max,
            Threshold = 0.3,
        };

        var json = manifest.ToJson();

        json.Should().Contain("\"stride\": 32").And.Contain("\"window_aggregation\": \"max\"").And.Contain("\"threshold\": 0.3");
        ModelManifest.FromJson(json).Should().BeEquivalentTo(manifest);
    }

    [Test]
    public void Validate_BadWindowAndThresholdFields_ListsEach()
    {
        var manifest = ModelManifest.FromJson(ManifestWithoutWindowFields) with { MaxLength = 16, Stride = 14, WindowAggregation = "median", Threshold = 1 };

        manifest.Validate().Should().BeEquivalentTo(
            "stride: 14 is outside 0..13 (windows of max_length - 2 pieces must move forward)",
            "window_aggregation: 'median' is not one of mean, max",
            "threshold: 1 is outside the open interval (0, 1)");
    }

    [Test]
    public void Parse_MultiLabelTask_IsAccepted()
    {
        var result = SpecParser.Parse("""
            version: 1
            name: amr-multi
            task: multi_label_classification
            dataset: amr-reports
            labels: [BLSE, SARM, EPC]
            """);

        result.IsValid.Should().BeTrue(result.Describe());
        result.Spec!.Task.Should().Be(TaskTypes.MultiLabelClassification);
    }
}
