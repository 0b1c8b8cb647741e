using Partages.Evaluation.Bundles;
using Partages.Evaluation.Specs;

namespace Partages.Evaluation.Tests.Specs;

public class NerSpecTests
{
    [Test]
    public void Parse_ShippedOncologyNerSpec_IsATokenClassificationOverTheEntityTypes()
    {
        var yaml = File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "eval-specs", "oncology-biomarkers-ner.yaml"));

        var result = SpecParser.Parse(yaml);

        result.Errors.Should().BeEmpty();
        result.Spec!.Task.Should().Be(TaskTypes.TokenClassification);
        result.Spec.Labels.Should().Equal("BIOMARKER", "STATUS");
    }

    [Test]
    public void Parse_TokenClassificationWithOneEntityType_IsValid()
    {
        var result = SpecParser.Parse(Spec(TaskTypes.TokenClassification, "[DRUG]"));

        result.Errors.Should().BeEmpty();
        result.Spec!.Labels.Should().Equal("DRUG");
    }

    [Test]
    public void Parse_ClassificationWithOneLabel_IsStillRefused()
    {
        var result = SpecParser.Parse(Spec(TaskTypes.SingleLabelClassification, "[only]"));

        result.IsValid.Should().BeFalse();
        result.Describe().Should().Contain("a classification needs at least two labels");
    }

    [Test]
    public void Parse_TokenClassificationWithoutEntityTypes_IsRefused()
    {
        var result = SpecParser.Parse(Spec(TaskTypes.TokenClassification, "[]"));

        result.IsValid.Should().BeFalse();
        result.Describe().Should().Contain("at least one entity type");
    }

    private static string Spec(string task, string labels) => $"""
        version: 1
        name: ner-test
        task: {task}
        dataset: oncology-reports
        labels: {labels}
        """;
}
