using Partages.Evaluation.Bundles;
using Partages.Evaluation.Metrics;
using Partages.Evaluation.Specs;

namespace Partages.Evaluation.Tests.Specs;

/// <summary>The spec's <c>ner_matching</c> key (docs/ner.md, "Entity matching").</summary>
public class NerMatchingSpecTests
{
    [Test]
    public void Parse_WithoutNerMatching_CountsAsNodesDoToday()
    {
        var result = SpecParser.Parse(Spec(TaskTypes.TokenClassification, matching: null));

        result.Errors.Should().BeEmpty();
        result.Spec!.NerMatching.Should().Be(NerMatching.Nervaluate01);
    }

    [Test]
    public void Parse_NerMatchingNervaluate01_IsKept()
    {
        var result = SpecParser.Parse(Spec(TaskTypes.TokenClassification, "nervaluate-0.1"));

        result.Errors.Should().BeEmpty();
        result.Spec!.NerMatching.Should().Be("nervaluate-0.1");
    }

    [Test]
    public void Parse_UnknownNerMatching_RefusedWithTheValidRules()
    {
        var result = SpecParser.Parse(Spec(TaskTypes.TokenClassification, "seqeval"));

        result.IsValid.Should().BeFalse();
        result.Describe().Should().Contain("ner_matching: 'seqeval' is not a matching rule (valid: nervaluate-1, nervaluate-0.1)");
    }

    [Test]
    public void Parse_NerMatchingNervaluate1_RefusedUntilNodesReleaseIt()
    {
        // Accepting it while nodes count with 0.1 would label 0.1 numbers as 1.x ones.
        var result = SpecParser.Parse(Spec(TaskTypes.TokenClassification, "nervaluate-1"));

        result.IsValid.Should().BeFalse();
        result.Describe().Should().Contain("'nervaluate-1' is not released by nodes yet (available: nervaluate-0.1)");
    }

    [Test]
    public void Parse_NerMatchingOnAClassification_Refused()
    {
        var result = SpecParser.Parse(Spec(TaskTypes.SingleLabelClassification, "nervaluate-0.1", "[a, b]"));

        result.IsValid.Should().BeFalse();
        result.Describe().Should().Contain($"ner_matching: applies to {TaskTypes.TokenClassification} only");
    }

    private static string Spec(string task, string? matching, string labels = "[DRUG]") => $"""
        version: 1
        name: ner-test
        task: {task}
        dataset: oncology-reports
        labels: {labels}
        {(matching is null ? "" : $"ner_matching: {matching}")}
        """;
}
