using System.Text.Json;
using FluentAssertions;
using Microsoft.ML.OnnxRuntimeGenAI;
using NUnit.Framework;
using Partages.Evaluation.Specs;
using Partages.Evaluation.Tasks.GenerativeExtraction;
using Partages.ModelKit.Generative;
using Partages.NodeAgent.Engine.Tasks.GenerativeExtraction;

namespace Partages.NodeAgent.Engine.Tests.GenerativeExtraction;

/// <summary>
/// The node's generations (its loop around GenAI's Generator, guided by the contract's regex after the output prefix)
/// beside GenAI's bare loop on the same model: with the same regex, and with a JSON schema of the contract written
/// from the object's first brace. Explicit (slow): it documents the guidance choices in docs/generative.md ("ONNX
/// Runtime GenAI's guidance"). Run with <c>--filter "FullyQualifiedName~GenAiGuidanceTests"</c>.
/// </summary>
[TestFixture]
[Explicit("Documents ONNX Runtime GenAI's guidance choices for docs/generative.md; slow.")]
public sealed class GenAiGuidanceTests
{
    private const int Reports = 40;
    private string _root = null!;
    private GenerativeBundleFiles _bundle = null!;
    private GenerativeModel _model = null!;

    [OneTimeSetUp]
    public void Build()
    {
        _root = Path.Combine(Path.GetTempPath(), "partages-guidance-" + Guid.NewGuid().ToString("N")[..8]);
        _bundle = GenerativeBundleBuilder.Build(Path.Combine(_root, "kit"), scale: 0.5);
        // The same deterministic model folder the bundle packs, unpacked for GenAI's Model.
        _model = GenerativeModelBuilder.Build(Path.Combine(_root, "model"));
    }

    [OneTimeTearDown]
    public void CleanUp()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    /// <summary>
    /// The whole answer under a JSON schema (the prompt ends at the question line: guidance writes the object from its
    /// first brace), with llguidance's separators set to the engine's canonical layout and no free whitespace — with
    /// flexible whitespace, the kit's model, whose logits know nothing of JSON there, fills the object with tabs up to
    /// the token budget.
    /// </summary>
    [Test]
    public async Task SetGuidance_JsonSchemaOfTheContract_SameAnswersAsTheNode()
    {
        var (reports, engine) = await EngineOutputsAsync();
        var prefix = _bundle.Manifest.Generation!.OutputPrefix;

        var guided = Guided(reports, r => PromptTemplate.Fill(GenerativeBundleBuilder.PromptTemplate, r), "json_schema", JsonSchema());

        Compare(reports, [.. engine.Select(e => prefix + e)], guided).Should().Be(reports.Count);
        foreach (var output in guided)
        {
            using var parsed = JsonDocument.Parse(output);
            parsed.RootElement.EnumerateObject().Select(p => p.Name).Should().Equal(GenerativeBundleBuilder.DefaultFields);
        }
    }

    /// <summary>
    /// The bundle's prompt (template + output prefix, as the engine builds it) and the regex the node derives from the
    /// contract, in GenAI's bare loop: the node's loop around the same Generator writes the same outputs.
    /// </summary>
    [Test]
    public async Task SetGuidance_RegexOfTheContract_SameOutputsAsTheNode()
    {
        var (reports, engine) = await EngineOutputsAsync();
        var prefix = _bundle.Manifest.Generation!.OutputPrefix;

        var guided = Guided(reports, r => PromptTemplate.Fill(GenerativeBundleBuilder.PromptTemplate, r) + prefix, "regex", RestOfLayoutRegex());

        Compare(reports, engine, guided).Should().Be(reports.Count);
    }

    /// <summary>The first reports of Valmont and the engine's outputs on them (local mode's predictions: the bytes after the prefix).</summary>
    private async Task<(List<(string Id, string Text)> Reports, List<string> Outputs)> EngineOutputsAsync()
    {
        var (_, path, _) = _bundle.Datasets[0];
        var reports = ReadReports(path).Take(Reports).ToList();
        var subset = Path.Combine(_root, "subset.jsonl");
        await File.WriteAllLinesAsync(subset, File.ReadLines(path).Take(Reports));
        var sink = new CollectingSink();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await new EvaluationEngine(new EvaluationEngineOptions()).EvaluateLocallyAsync(Job(_bundle.BundlePath, subset), sink, null, CancellationToken.None);
        TestContext.Out.WriteLine($"node (regex guidance): {reports.Count} reports in {clock.Elapsed.TotalSeconds:F1} s");
        return (reports, [.. sink.Lines.Select(l => l.Output)]);
    }

    private List<string> Guided(List<(string Id, string Text)> reports, Func<string, string> prompt, string guidanceType, string guidance)
    {
        using var model = new Model(_model.Directory);
        using var tokenizer = new Tokenizer(model);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var outputs = reports.Select(r => Generate(model, tokenizer, prompt(r.Text), guidanceType, guidance)).ToList();
        TestContext.Out.WriteLine($"GenAI guidance ({guidanceType}): {reports.Count} reports in {clock.Elapsed.TotalSeconds:F1} s");
        return outputs;
    }

    /// <summary>How many outputs are the same; the first few and every difference are printed.</summary>
    private static int Compare(List<(string Id, string Text)> reports, List<string> engine, List<string> guided)
    {
        var same = 0;
        for (var i = 0; i < reports.Count; i++)
        {
            same += guided[i] == engine[i] ? 1 : 0;
            if (i < 3 || guided[i] != engine[i])
            {
                TestContext.Out.WriteLine($"{reports[i].Id}: engine [{engine[i]}] guidance [{guided[i]}]");
            }
        }

        TestContext.Out.WriteLine($"same output on {same} of {reports.Count} reports");
        return same;
    }

    private static string Generate(Model model, Tokenizer tokenizer, string prompt, string guidanceType, string guidance)
    {
        using var sequences = tokenizer.Encode(prompt);
        var ids = sequences[0].ToArray();
        using var parameters = new GeneratorParams(model);
        parameters.SetSearchOption("max_length", ids.Length + 64);
        parameters.SetSearchOption("do_sample", false);
        parameters.SetGuidance(guidanceType, guidance);
        using var generator = new Generator(model, parameters);
        generator.AppendTokens(ids);
        while (!generator.IsDone())
        {
            generator.GenerateNextToken();
        }

        var output = generator.GetSequence(0)[ids.Length..].ToArray();
        return tokenizer.Decode(output);
    }

    private static string JsonSchema()
    {
        var properties = GenerativeBundleBuilder.DefaultFields.ToDictionary(f => f, _ => (object)new { type = "string", @enum = GenerativeBundleBuilder.Values });
        var schema = new Dictionary<string, object>
        {
            ["type"] = "object",
            ["properties"] = properties,
            ["required"] = GenerativeBundleBuilder.DefaultFields,
            ["additionalProperties"] = false,
            // llguidance's own keys: the engine's separators, and no whitespace elsewhere.
            ["x-guidance"] = new Dictionary<string, object> { ["whitespace_flexible"] = false, ["key_separator"] = ": ", ["item_separator"] = ", " },
        };
        return JsonSerializer.Serialize(schema, new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    /// <summary>What the node asks GenAI to write after the prefix <c>{"EGFR":</c>: the rest of the contract's canonical answers.</summary>
    private string RestOfLayoutRegex()
    {
        var contract = new OutputContract(_bundle.Manifest.Generation!.Fields);
        return new ContractGuidance(contract, ContractGuidance.Of(contract), _bundle.Manifest.Generation!.OutputPrefix).Regex;
    }

    private static IEnumerable<(string Id, string Text)> ReadReports(string path) =>
        File.ReadLines(path).Select(l =>
        {
            using var line = JsonDocument.Parse(l);
            return (line.RootElement.GetProperty("id").GetString()!, line.RootElement.GetProperty("text").GetString()!);
        }).ToList();

    private static EvaluationJob Job(string bundle, string path) => new(
        bundle,
        new EvaluationSpec { Name = "guidance", Task = GenerativeExtractionTask.TaskName, Dataset = "oncology-extraction", Labels = [.. GenerativeBundleBuilder.DefaultFields] },
        new DatasetDefinition("oncology-extraction", path, "jsonl"));
}
