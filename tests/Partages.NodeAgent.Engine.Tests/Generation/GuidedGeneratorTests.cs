using FluentAssertions;
using Microsoft.Extensions.Time.Testing;
using Microsoft.ML.OnnxRuntimeGenAI;
using NUnit.Framework;
using Partages.ModelKit.Generative;
using Partages.ModelKit.Synthetic;
using Partages.NodeAgent.Engine.Generation;

namespace Partages.NodeAgent.Engine.Tests.Generation;

/// <summary>
/// The node's generation loop around ONNX Runtime GenAI's Generator on the model kit's model folder: the same tokens as
/// GenAI's bare loop, a regex guidance enforced, the thread overlay taken, and its limits counted as outcomes.
/// </summary>
[TestFixture]
public sealed class GuidedGeneratorTests
{
    private const string Report = "- EGFR : muté (del19) (NGS)\n- ALK : nég (IHC D5F3)\n- HER2 : score 2+ (équivoque) (IHC)\n";
    private static readonly GenerationLimits Roomy = new(MaxNewTokens: 32, TimeBudget: TimeSpan.FromMinutes(1));

    private string _root = null!;
    private GenerativeModel _built = null!;
    private Model _genAiModel = null!;
    private Tokenizer _tokenizer = null!;

    [OneTimeSetUp]
    public void Build()
    {
        _root = Path.Combine(Path.GetTempPath(), "partages-greedy-" + Guid.NewGuid().ToString("N")[..8]);
        _built = GenerativeModelBuilder.Build(Path.Combine(_root, "model"));
        _genAiModel = new Model(_built.Directory);
        _tokenizer = new Tokenizer(_genAiModel);
    }

    [OneTimeTearDown]
    public void CleanUp()
    {
        _tokenizer?.Dispose();
        _genAiModel?.Dispose();
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [TestCase(OncologyLabels.Egfr)]
    [TestCase(OncologyLabels.Alk)]
    [TestCase(OncologyLabels.Her2)]
    [TestCase(OncologyLabels.Kras)]
    public void Generate_KitModel_SameTokensAsGenAiGenerator(string biomarker)
    {
        var prompt = Encode(StatusVocabulary.Prompt(Report, biomarker));
        using var generator = new GuidedGenerator(_built.Directory);

        var engine = generator.Generate(prompt, Roomy, TimeProvider.System, CancellationToken.None);

        engine.Outcome.Should().Be(GenerationOutcome.EndOfText);
        engine.Tokens.Should().Equal(GenAiGreedy.Generate(_genAiModel, prompt, Roomy.MaxNewTokens, [_built.EndOfTextId]));
    }

    [Test]
    public void Generate_NeverStoppingModel_CountsTheTokenBudget()
    {
        var neverStops = GenerativeModelBuilder.Build(Path.Combine(_root, "never-stops"), neverStops: true);
        using var generator = new GuidedGenerator(neverStops.Directory);

        var result = generator.Generate(Encode(StatusVocabulary.Prompt(Report, OncologyLabels.Egfr)), Roomy with { MaxNewTokens = 7 }, TimeProvider.System, CancellationToken.None);

        result.Outcome.Should().Be(GenerationOutcome.TokenBudget);
        result.Tokens.Should().HaveCount(7);
    }

    [Test]
    public void Generate_ClockPassesTheTimeBudget_CountsTheTimeBudget()
    {
        var neverStops = GenerativeModelBuilder.Build(Path.Combine(_root, "never-stops-time"), neverStops: true);
        using var generator = new GuidedGenerator(neverStops.Directory);
        // Every clock read advances one second: the start, then one read after each token.
        var clock = new FakeTimeProvider { AutoAdvanceAmount = TimeSpan.FromSeconds(1) };

        var result = generator.Generate(Encode(StatusVocabulary.Prompt(Report, OncologyLabels.Egfr)), new GenerationLimits(100, TimeSpan.FromSeconds(2.5)), clock, CancellationToken.None);

        result.Outcome.Should().Be(GenerationOutcome.TimeBudget);
        result.Tokens.Should().HaveCount(3);
    }

    [Test]
    public void Generate_PromptLongerThanTheContext_CountsContextFull()
    {
        using var generator = new GuidedGenerator(_built.Directory);
        var prompt = Enumerable.Repeat(_built.Vocabulary.Bpe.IdOf(" muté"), generator.Config.ContextLength + 1).ToArray();

        var result = generator.Generate(prompt, Roomy, TimeProvider.System, CancellationToken.None);

        result.Outcome.Should().Be(GenerationOutcome.ContextFull);
        result.Tokens.Should().BeEmpty();
    }

    [Test]
    public void Constructor_ConfigWithoutHeadSize_NamesTheField()
    {
        var broken = Path.Combine(_root, "broken");
        Directory.CreateDirectory(broken);
        var config = File.ReadAllText(Path.Combine(_built.Directory, GenAiModelConfig.FileName)).Replace("\"head_size\"", "\"head_size_missing\"", StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(broken, GenAiModelConfig.FileName), config);

        var open = () => new GuidedGenerator(broken);

        open.Should().Throw<InvalidDataException>().WithMessage("*model.decoder.head_size*");
    }

    [Test]
    public void Generate_RegexGuidance_OutputIsTheRegexsAnswerThenStops()
    {
        using var generator = new GuidedGenerator(_built.Directory, intraOpThreads: 1);
        var prompt = Encode(StatusVocabulary.Prompt(Report, OncologyLabels.Egfr));
        var written = new List<int>();
        var output = new GuidedOutput(GuidedOutput.Regex, " \"(?:positif|inconnu)\"\\}", token =>
        {
            written.Add(token);
            return _tokenizer.Decode([.. written]) is " \"positif\"}" or " \"inconnu\"}";
        });

        var result = generator.Generate(prompt, Roomy, TimeProvider.System, CancellationToken.None, output);

        result.Outcome.Should().Be(GenerationOutcome.EndOfText);
        _tokenizer.Decode([.. result.Tokens]).Should().BeOneOf(" \"positif\"}", " \"inconnu\"}");
    }

    [Test]
    public void CheckGuidance_RegexLlguidanceCannotParse_Throws()
    {
        using var generator = new GuidedGenerator(_built.Directory);

        var check = () => generator.CheckGuidance(new GuidedOutput(GuidedOutput.Regex, "(unclosed", _ => false), promptTokens: 1);

        check.Should().Throw<InvalidOperationException>();
    }

    [Test]
    public void SessionOverlay_Threads_NamesThemWithTheMemoryPatternOff()
    {
        GuidedGenerator.SessionOverlay(2).Should().Be("{\"model\": {\"decoder\": {\"session_options\": {\"intra_op_num_threads\": 2, \"enable_mem_pattern\": false}}}}");
        GuidedGenerator.SessionOverlay(0).Should().NotContain("intra_op_num_threads", "0 leaves ONNX Runtime's default");
    }

    private int[] Encode(string text)
    {
        using var sequences = _tokenizer.Encode(text);
        return sequences[0].ToArray();
    }
}
