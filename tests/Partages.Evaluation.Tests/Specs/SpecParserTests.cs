namespace Partages.Evaluation.Tests.Specs;

public class SpecParserTests
{
    [Test]
    public void Parse_ShippedAmrSpec_IsValid()
    {
        var result = SpecParser.Parse(ShippedSpecs.Yaml("amr-resistance.yaml"));

        result.Errors.Should().BeEmpty();
        result.Spec!.Task.Should().Be("single_label_classification");
        result.Spec.Dataset.Should().Be("amr-reports");
        result.Spec.Labels.Should().Equal("sensible", "BLSE", "SARM", "EPC");
        result.Spec.MinSites.Should().Be(2);
    }

    [Test]
    public void Parse_SeveralBadFields_ListsEveryErrorWithItsLine()
    {
        const string yaml = """
            version: 1
            name: Bad Name!
            task: regression
            dataset: amr-reports
            labels: [a, a]
            min_sites: zero
            colour: blue
            """;

        var result = SpecParser.Parse(yaml);

        result.IsValid.Should().BeFalse();
        result.Errors.Select(e => (e.Line, e.Field)).Should().BeEquivalentTo(new[]
        {
            (2, "name"),
            (3, "task"),
            (5, "labels"),
            (6, "min_sites"),
            (7, "colour"),
        });
        result.Describe().Should().Contain("line 3, column 7: task: 'regression' is not a supported task");
    }

    [Test]
    public void Parse_MissingRequiredFields_NamesEachOne()
    {
        var result = SpecParser.Parse("version: 1\ndescription: nothing else\n");

        result.Errors.Select(e => e.Field).Should().BeEquivalentTo("name", "task", "dataset", "labels");
        result.Errors.Should().OnlyContain(e => e.Message == "is required");
    }

    [Test]
    public void Parse_InvalidYaml_ReportsPosition()
    {
        var result = SpecParser.Parse("name: x\nlabels: [a, b\n");

        result.IsValid.Should().BeFalse();
        result.Errors.Should().ContainSingle().Which.Line.Should().BeGreaterThan(0);
    }

    [Test]
    public void Parse_NotAMapping_IsRefused()
    {
        var result = SpecParser.Parse("- just\n- a list\n");

        result.Errors.Should().ContainSingle().Which.Message.Should().Contain("mapping");
    }

    [Test]
    public void Parse_MinSitesAboveListedNodes_IsRefused()
    {
        const string yaml = """
            version: 1
            name: amr
            task: single_label_classification
            dataset: amr-reports
            labels: [a, b]
            nodes: [site-a]
            min_sites: 2
            """;

        var result = SpecParser.Parse(yaml);

        result.Errors.Should().ContainSingle().Which.Should().Match<YamlError>(e => e.Field == "min_sites" && e.Line == 7);
    }

    [Test]
    public void Parse_OversizedSpec_IsRefusedWithoutParsing()
    {
        var result = SpecParser.Parse("description: " + new string('x', 70_000));

        result.Errors.Should().ContainSingle().Which.Message.Should().Contain("limit");
    }
}
