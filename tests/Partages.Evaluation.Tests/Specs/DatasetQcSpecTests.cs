using Partages.Evaluation.Tasks.DatasetQc;

namespace Partages.Evaluation.Tests.Specs;

public sealed class DatasetQcSpecTests
{
    private const string Head = """
        version: 1
        name: amr-qc
        task: dataset_qc
        dataset: amr-reports
        labels: [sensible, BLSE]

        """;

    [Test]
    public void Parse_QcSpecWithTwoAnnotators_ReadsAnnotationAndAnnotators()
    {
        var parsed = SpecParser.Parse(Head + "annotation: labels\nannotators: [label, label_b]\n");

        parsed.IsValid.Should().BeTrue(string.Join("; ", parsed.Errors));
        parsed.Spec!.Annotators.Should().Equal("label", "label_b");
        parsed.Spec.Annotation.Should().Be(DatasetQcAnnotation.Labels);
    }

    [Test]
    public void Parse_ShippedQcSpec_IsValidAndAsksForNoModel()
    {
        var parsed = SpecParser.Parse(ShippedSpecs.Yaml("amr-dataset-qc.yaml"));

        parsed.IsValid.Should().BeTrue(string.Join("; ", parsed.Errors));
        Evaluation.Tasks.TaskRegistry.Get(parsed.Spec!.Task).UsesModel.Should().BeFalse();
    }

    [Test]
    public void Parse_OneAnnotator_IsRefusedWithTheReasonBeforeAnyRun()
    {
        var parsed = SpecParser.Parse(Head + "annotators: [label]\n");

        parsed.IsValid.Should().BeFalse();
        parsed.Errors.Should().ContainSingle(e => e.Field == "annotators" && e.Message.Contains("at least two annotators") && e.Message.Contains("'label'"));
    }

    [Test]
    public void Parse_AnnotatorsOnAClassification_IsRefused()
    {
        var parsed = SpecParser.Parse(Head.Replace("dataset_qc", "single_label_classification", StringComparison.Ordinal) + "annotators: [a, b]\n");

        parsed.Errors.Should().ContainSingle(e => e.Field == "annotators" && e.Message.Contains("applies to dataset_qc only"));
    }

    [Test]
    public void Parse_RobustnessSuiteOnADatasetQc_RefusedAsNotApplicableToTheTask()
    {
        var parsed = SpecParser.Parse(Head + "robustness:\n  - perturbation: remove_accents\n    seed: 1\n");

        parsed.IsValid.Should().BeFalse("no model runs, so there is nothing to perturb before inference");
        parsed.Errors.Should().ContainSingle(e => e.Field.StartsWith("robustness", StringComparison.Ordinal) && e.Message.Contains("does not apply to task 'dataset_qc'"));
    }

    [Test]
    public void Parse_UnknownAnnotation_NamesTheValidOnes()
    {
        var parsed = SpecParser.Parse(Head + "annotation: spans\n");

        parsed.Errors.Should().ContainSingle(e => e.Field == "annotation" && e.Message.Contains("labels, entities"));
    }

    [Test]
    public void Parse_QcSpecWithOneLabel_IsValid()
    {
        var parsed = SpecParser.Parse(Head.Replace("[sensible, BLSE]", "[BLSE]", StringComparison.Ordinal));

        parsed.IsValid.Should().BeTrue();
    }
}
