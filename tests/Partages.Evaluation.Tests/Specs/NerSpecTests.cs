namespace Partages.Evaluation.Tests.Specs;

/// <summary>Entity recognition specs: their entity types and the <c>ner_matching</c> key (docs/ner.md, "Entity matching").</summary>
public class NerSpecTests
{
    [Test]
    public void Parse_ShippedOncologyNerSpec_IsATokenClassificationOverTheEntityTypes()
    {
        var result = SpecParser.Parse(ShippedSpecs.Yaml("oncology-biomarkers-ner.yaml"));

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

    // Rule: without the key, current nervaluate (1.x); nervaluate-0.1 stays a named option.
    [TestCase(null, NerMatching.Nervaluate1, Description = "Parse_WithoutNerMatching_CountsAsNodesDoToday")]
    [TestCase("nervaluate-1", NerMatching.Nervaluate1, Description = "Parse_NerMatchingNervaluate1_IsKept")]
    [TestCase("nervaluate-0.1", NerMatching.Nervaluate01, Description = "Parse_NerMatchingNervaluate01_IsKept")]
    public void Parse_NerMatchingAbsentOrNervaluate01_CountsAsNodesDoToday(string? matching, string expected)
    {
        var result = SpecParser.Parse(Spec(TaskTypes.TokenClassification, "[DRUG]", matching));

        result.Errors.Should().BeEmpty();
        result.Spec!.NerMatching.Should().Be(expected);
    }

    [Test]
    public void Parse_EdsNlpMetricsWithAThreshold_KeptForTheNodes()
    {
        var result = SpecParser.Parse(Spec(TaskTypes.TokenClassification, "[DRUG]") + "metrics: [f1, ner_exact, ner_token, ner_overlap]\nner_overlap_threshold: 0.75\n");

        result.Errors.Should().BeEmpty();
        result.Spec!.Metrics.Should().Contain(EdsNlpMetrics.All);
        result.Spec.NerOverlapThreshold.Should().Be(0.75);
    }

    [TestCase(TaskTypes.SingleLabelClassification, "[a, b]", "metrics: [ner_exact]", "'ner_exact' is not produced by task 'single_label_classification' (it can: confusion_matrix, precision, recall, f1, accuracy)")]
    [TestCase(TaskTypes.TokenClassification, "[DRUG]", "metrics: [ner_overlap]\nner_overlap_threshold: 0", "'0' is not a Dice threshold in (0, 1]")]
    [TestCase(TaskTypes.TokenClassification, "[DRUG]", "metrics: [ner_exact]\nner_overlap_threshold: 0.5", "applies only when metrics lists ner_overlap")]
    [TestCase(TaskTypes.TokenClassification, "[DRUG]", "metrics: [span_f1]", "'span_f1' is not a known metric (known: confusion_matrix, precision, recall, f1, accuracy, ner_exact, ner_token, ner_overlap, span_attribute, normalisation, ner_fragments)")]
    public void Parse_MetricTheTaskCannotProduce_RefusedWithWhatItCan(string task, string labels, string extra, string reason)
    {
        var result = SpecParser.Parse(Spec(task, labels) + extra + "\n");

        result.IsValid.Should().BeFalse();
        result.Describe().Should().Contain(reason);
    }

    // A classifier needs two classes to choose from; an entity extractor at least one type.
    [TestCase(TaskTypes.SingleLabelClassification, "[only]", null, "a classification needs at least two labels")]
    [TestCase(TaskTypes.TokenClassification, "[]", null, "at least one entity type")]
    [TestCase(TaskTypes.TokenClassification, "[DRUG]", "seqeval", "ner_matching: 'seqeval' is not a matching rule (valid: nervaluate-1, nervaluate-0.1)")]
    [TestCase(TaskTypes.SingleLabelClassification, "[a, b]", "nervaluate-0.1", $"ner_matching: applies to {TaskTypes.TokenClassification} only")]
    public void Parse_LabelsOrNerMatchingTheTaskDoesNotAllow_RefusedWithTheReason(string task, string labels, string? matching, string reason)
    {
        var result = SpecParser.Parse(Spec(task, labels, matching));

        result.IsValid.Should().BeFalse();
        result.Describe().Should().Contain(reason);
    }

    private static string Spec(string task, string labels, string? matching = null) => $"""
        version: 1
        name: ner-test
        task: {task}
        dataset: oncology-reports
        labels: {labels}
        {(matching is null ? "" : $"ner_matching: {matching}")}
        """;
}
