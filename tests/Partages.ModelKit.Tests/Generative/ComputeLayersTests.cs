using System.Text.Json.Nodes;
using FluentAssertions;
using NUnit.Framework;
using Partages.ModelKit.Generative;

namespace Partages.ModelKit.Tests.Generative;

/// <summary>
/// The compute layers the generation benchmark adds (<see cref="ComputeLayers"/>): ONNX Runtime GenAI loads the
/// deeper model as it is (one cache per layer), and its greedy tokens are the plain model's on every prompt.
/// </summary>
[TestFixture]
public sealed class ComputeLayersTests
{
    [Test]
    public void Build_WithComputeLayers_GenAiGeneratesThePlainModelsTokens()
    {
        var plain = GenerativeModelBuilder.Build(TestAssets.NewDirectory("generative-plain"));
        var deep = GenerativeModelBuilder.Build(TestAssets.NewDirectory("generative-compute"), compute: new ComputeSize(Layers: 3, Width: 32));
        using var plainRun = new GenAiRun(plain.Directory, plain.EndOfTextId);
        using var deepRun = new GenAiRun(deep.Directory, deep.EndOfTextId);
        var reports = OncologyReportGenerator.Generate(SyntheticHospitals.ChuValmont, 12, seed: 7);

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(deep.Directory, "genai_config.json")))!;
        config["model"]!["decoder"]!["num_hidden_layers"]!.GetValue<int>().Should().Be(4);
        new FileInfo(Path.Combine(deep.Directory, GenerativeModelBuilder.ModelFileName)).Length
            .Should().BeGreaterThan(new FileInfo(Path.Combine(plain.Directory, GenerativeModelBuilder.ModelFileName)).Length);
        foreach (var report in reports)
        {
            foreach (var biomarker in (string[])[OncologyLabels.Egfr, OncologyLabels.Alk])
            {
                var prompt = StatusVocabulary.Prompt(report.Text, biomarker);
                deepRun.Generate(prompt, maxNewTokens: 8).Should().Be(plainRun.Generate(prompt, maxNewTokens: 8), $"report {report.Id}, {biomarker}");
            }
        }
    }

    [TestCase(0, 64, "compute layers")]
    [TestCase(2, 4, "compute width")]
    public void Validate_OutOfRange_NamesTheSetting(int layers, int width, string named)
    {
        new ComputeSize(layers, width).Validate().Should().ContainSingle().Which.Should().StartWith(named);
    }
}
