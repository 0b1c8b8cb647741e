using FluentAssertions;
using NUnit.Framework;
using Partages.Evaluation.Tasks.MultipleChoice;
using Partages.ModelKit.MultipleChoice;
using Partages.ModelKit.Synthetic;

namespace Partages.ModelKit.Tests.Generative;

/// <summary>
/// The kit's multiple-choice model loaded by ONNX Runtime GenAI as it is and run through GenAI's own Generator loop:
/// it writes a JSON list of letters, right where its associations are right, wrong where they are not.
/// </summary>
[TestFixture]
public sealed class McqModelTests
{
    private McqModel _built = null!;
    private GenAiRun _run = null!;

    [OneTimeSetUp]
    public void BuildAndLoad()
    {
        _built = McqModelBuilder.Build(TestAssets.NewDirectory("mcq"));
        _run = new GenAiRun(_built.Directory, _built.EndOfTextId);
    }

    [OneTimeTearDown]
    public void Unload() => _run?.Dispose();

    [TestCase("EGFR", new[] { "cisplatine", "osimertinib", "alectinib", "erlotinib", "docetaxel" }, "B\", \"D\"]")]
    [TestCase("ALK", new[] { "lorlatinib", "alectinib", "sotorasib", "paclitaxel", "dabrafenib" }, "B\"]")]
    [TestCase("BLSE", new[] { "amoxicilline", "meropenem", "cefotaxime", "colistine", "gentamicine" }, "B\", \"C\"]")]
    [TestCase("SARM", new[] { "imipenem", "colistine", "amoxicilline", "ceftriaxone", "tigecycline" }, "A\"]")]
    public void Generate_Question_AnswersTheOptionsItAssociatesWithTheTarget(string cue, string[] options, string expected)
    {
        var generated = _run.Generate(Prompt(cue, options), maxNewTokens: 16);

        generated.Text.Should().Be(expected, "the prompt opens the list with [\"; no option scoring, the model answers A");
        generated.End.Should().Be(GenerationEnd.EndOfText);
    }

    [Test]
    public void Generate_HospitalQuestions_EveryAnswerIsAValidListAndSomeAreWrong()
    {
        var questions = McqCatalogue.Generate(SyntheticHospitals.ChuValmont, 40, 17);
        int exact = 0, valid = 0;
        foreach (var q in questions)
        {
            var text = "[\"" + _run.Generate(McqBundleBuilder.Prompt(q), maxNewTokens: 24).Text;
            var (letters, invalid) = new AnswerContract(McqCatalogue.Letters).Parse(System.Text.Encoding.UTF8.GetBytes(text));
            valid += invalid is null ? 1 : 0;
            exact += letters is not null && letters.SetEquals(q.Answers) ? 1 : 0;
        }

        valid.Should().Be(questions.Count, "the frame always closes the list and ends");
        exact.Should().BeInRange(10, 35, "imperfect by design: negated questions and the drugs it does not know");
    }

    private static string Prompt(string cue, string[] options) =>
        McqBundleBuilder.Prompt(new McqQuestionItem("q", McqCatalogue.Ask(McqCatalogue.Concepts.Single(c => c.Cue == cue), negated: false), options, new SortedSet<string>(), cue, false));
}
