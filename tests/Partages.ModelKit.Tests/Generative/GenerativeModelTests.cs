using FluentAssertions;
using NUnit.Framework;
using Partages.ModelKit.Generative;

namespace Partages.ModelKit.Tests.Generative;

/// <summary>
/// The kit's generative model loaded by ONNX Runtime GenAI as it is (genai_config.json, model.onnx, tokenizer.json)
/// and run through GenAI's own Generator loop: real greedy generation, nothing stubbed.
/// </summary>
[TestFixture]
public sealed class GenerativeModelTests
{
    private const string Report =
        "CHU DE VALMONT - DÉPARTEMENT DE PATHOLOGIE\n" +
        "PRÉLÈVEMENT : biopsie bronchique (poumon)\n" +
        "IMMUNOHISTOCHIMIE ET BIOLOGIE MOLÉCULAIRE :\n" +
        "- EGFR : muté (del19) (NGS)\n" +
        "- ALK : nég (IHC D5F3)\n" +
        "- KRAS : wt (NGS)\n";

    private GenerativeModel _built = null!;
    private GenAiRun _run = null!;

    [OneTimeSetUp]
    public void BuildAndLoad()
    {
        _built = GenerativeModelBuilder.Build(TestAssets.NewDirectory("generative"));
        _run = new GenAiRun(_built.Directory, _built.EndOfTextId);
    }

    [OneTimeTearDown]
    public void Unload() => _run?.Dispose();

    [TestCase(OncologyLabels.Egfr, " \"positif\"}")]
    [TestCase(OncologyLabels.Alk, " \"négatif\"}")]
    [TestCase(OncologyLabels.Kras, " \"négatif\"}")]
    public void Generate_FictionalReport_WritesTheBiomarkerStatusAsJson(string biomarker, string expected)
    {
        var generated = _run.Generate(StatusVocabulary.Prompt(Report, biomarker), maxNewTokens: 16);

        generated.Text.Should().Be(expected);
        generated.End.Should().Be(GenerationEnd.EndOfText);
        generated.NewTokens.Should().Be(3, "' \"', the status and '\"}'; GenAI does not keep the end-of-text token");
    }

    [Test]
    public void Generate_ReportWithoutStatusWord_WritesUnknown()
    {
        var generated = _run.Generate(StatusVocabulary.Prompt("Compte rendu en attente.\n", OncologyLabels.Her2), maxNewTokens: 16);

        generated.Text.Should().Be(" \"inconnu\"}");
    }

    [Test]
    public void Encode_StatusAndBiomarkerWords_AreSingleTokensOfTheKitVocabulary()
    {
        // GenAI's tokenizer (onnxruntime-extensions) must cut words exactly where the kit's tables expect them.
        var bpe = _built.Vocabulary.Bpe;

        _run.Encode(" muté").Should().Equal(bpe.IdOf(" muté"));
        _run.Encode("- EGFR : wt").Should().Equal(bpe.IdOf("-"), bpe.IdOf(" EGFR"), bpe.IdOf(" :"), bpe.IdOf(" wt"));
        _run.Encode("{\"HER2\":").Should().Equal(bpe.IdOf("{\""), bpe.IdOf("HER"), bpe.IdOf("2"), bpe.IdOf("\":"));
    }

    [Test]
    public void Generate_NeverStoppingModel_StopsAtTheTokenBudget()
    {
        var built = GenerativeModelBuilder.Build(TestAssets.NewDirectory("generative-never-stops"), neverStops: true);
        using var run = new GenAiRun(built.Directory, built.EndOfTextId);

        var generated = run.Generate(StatusVocabulary.Prompt(Report, OncologyLabels.Egfr), maxNewTokens: 10);

        generated.End.Should().Be(GenerationEnd.TokenBudget);
        generated.NewTokens.Should().Be(10);
        generated.Text.Should().StartWith(" \"positif\"} \"positif\"}");
    }

    [Test]
    public void Generate_SameModelTwice_SameTokens()
    {
        var prompt = StatusVocabulary.Prompt(Report, OncologyLabels.Egfr);

        _run.Generate(prompt, 16).Should().Be(_run.Generate(prompt, 16));
    }

    [Test]
    public void Build_TwiceIntoTwoFolders_SameBytes()
    {
        var second = GenerativeModelBuilder.Build(TestAssets.NewDirectory("generative-again"));

        foreach (var file in new[] { "genai_config.json", GenerativeModelBuilder.ModelFileName, "tokenizer.json", "tokenizer_config.json" })
        {
            File.ReadAllBytes(Path.Combine(second.Directory, file)).AsSpan()
                .SequenceEqual(File.ReadAllBytes(Path.Combine(_built.Directory, file))).Should().BeTrue(file + " is rebuilt byte for byte");
        }
    }
}
