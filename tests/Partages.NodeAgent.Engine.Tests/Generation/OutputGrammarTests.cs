using System.Text.RegularExpressions;
using FluentAssertions;
using NUnit.Framework;
using Partages.Evaluation.Tasks.GenerativeExtraction;
using Partages.NodeAgent.Engine.Generation;
using Partages.NodeAgent.Engine.Tasks.GenerativeExtraction;
using Partages.NodeAgent.Engine.Tasks.MultipleChoice;

namespace Partages.NodeAgent.Engine.Tests.Generation;

/// <summary>
/// The regexes the node gives ONNX Runtime GenAI's guidance: the contract's canonical answers less the output prefix.
/// Checked here with .NET's regex, which reads the same subset (literals, escapes, non-capturing groups, '?').
/// </summary>
[TestFixture]
public sealed class OutputGrammarTests
{
    private static readonly OutputContract Contract = new([new OutputField("EGFR", ["positif", "négatif"]), new OutputField("ALK", ["positif", "inconnu"])]);

    [TestCase("{\"EGFR\":", " \"négatif\", \"ALK\": \"inconnu\"}", true)]
    [TestCase("{\"EGFR\":", " \"positif\", \"ALK\": \"positif\"}", true)]
    [TestCase("{\"EGFR\":", "\"positif\", \"ALK\": \"positif\"}", false)]
    [TestCase("{\"EGFR\":", " \"positif\", \"ALK\": \"négatif\"}", false)]
    [TestCase("{\"EGFR\": \"po", "sitif\", \"ALK\": \"inconnu\"}", true)]
    [TestCase("", "{\"EGFR\": \"positif\", \"ALK\": \"inconnu\"}", true)]
    [TestCase("", "{\"EGFR\": \"positif\", \"ALK\": \"inconnu\"} ", false)]
    public void After_ExtractionPrefix_RegexMatchesExactlyTheRests(string prefix, string rest, bool matches)
    {
        var regex = new ContractGuidance(Contract, ContractGuidance.Of(Contract), prefix).Regex;

        Regex.IsMatch(rest, "^(?:" + regex + ")$").Should().Be(matches, regex);
    }

    [Test]
    public void ContractGuidance_PrefixBeginsNoAnswer_RefusedNamingTheSetting()
    {
        var open = () => new ContractGuidance(Contract, ContractGuidance.Of(Contract), "{\"KRAS\":");

        open.Should().Throw<EvaluationRefusedException>().WithMessage("*generation.output_prefix*");
    }

    [TestCase("[\"A\"]", true)]
    [TestCase("[\"A\", \"C\"]", true)]
    [TestCase("[\"B\", \"C\", \"D\"]", true)]
    [TestCase("[\"C\", \"A\"]", false)]
    [TestCase("[\"A\", \"A\"]", false)]
    [TestCase("[]", false)]
    [TestCase("[\"E\"]", false)]
    public void AnswerGrammar_OfferedLetters_SortedNonEmptySubsetsOnly(string answer, bool matches)
    {
        var regex = AnswerGrammar.Of(["D", "A", "C", "B"]).ToRegex();

        Regex.IsMatch(answer, "^(?:" + regex + ")$").Should().Be(matches, regex);
    }

    [Test]
    public void After_TextWithRegexMetacharacters_Escaped()
    {
        var regex = OutputGrammar.Text("a.b(c)+").ToRegex();

        Regex.IsMatch("a.b(c)+", "^" + regex + "$").Should().BeTrue();
        Regex.IsMatch("axb(c)+", "^" + regex + "$").Should().BeFalse();
    }
}
