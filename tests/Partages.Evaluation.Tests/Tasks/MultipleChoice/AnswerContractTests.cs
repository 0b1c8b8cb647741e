using System.Text;
using Partages.Evaluation.Tasks.MultipleChoice;

namespace Partages.Evaluation.Tests.Tasks.MultipleChoice;

[TestFixture]
public sealed class AnswerContractTests
{
    private readonly AnswerContract _contract = new(["A", "B", "C", "D", "E"]);

    [TestCase("", true)]
    [TestCase("[\"", true)]
    [TestCase("[\"A\", \"C", true)]
    [TestCase("[\"A\", \"C\"]", true)]
    [TestCase("[\"C\", \"A", false)]
    [TestCase("[\"A\", \"A", false)]
    [TestCase("[\"F", false)]
    [TestCase("[\"A\",\"C\"]", false)]
    [TestCase("[\"E\",", false)]
    [TestCase("[\"A\"] ", false)]
    public void IsPrefix_Outputs_AcceptsOnlyBeginningsOfTheCanonicalLayout(string output, bool expected) =>
        _contract.IsPrefix(Encoding.UTF8.GetBytes(output)).Should().Be(expected);

    [Test]
    public void IsPrefix_LetterTheQuestionDoesNotOffer_Refused()
    {
        var four = new AnswerContract(["A", "B", "C", "D"]);

        four.IsPrefix("[\"E"u8).Should().BeFalse();
        four.IsPrefix("[\"D\","u8).Should().BeFalse("no letter after D is offered, so a comma could never be completed");
    }

    [Test]
    public void Canonical_Letters_IsCompleteAndParsesBack()
    {
        var answer = Encoding.UTF8.GetBytes(AnswerContract.Canonical(["C", "A"]));

        Encoding.UTF8.GetString(answer).Should().Be("[\"A\", \"C\"]");
        _contract.IsComplete(answer).Should().BeTrue();
        _contract.Parse(answer).Letters.Should().BeEquivalentTo(["A", "C"]);
    }

    [TestCase("[\"A\", \"C\"", AnswerInvalidKinds.Unparsable)]
    [TestCase("{\"A\": 1}", AnswerInvalidKinds.Unparsable)]
    [TestCase("[1]", AnswerInvalidKinds.Unparsable)]
    [TestCase("[]", AnswerInvalidKinds.NoOption)]
    [TestCase("[\"A\", \"F\"]", AnswerInvalidKinds.OptionNotOffered)]
    [TestCase("[\"AB\"]", AnswerInvalidKinds.OptionNotOffered)]
    [TestCase("[\"B\", \"B\"]", AnswerInvalidKinds.RepeatedOption)]
    public void Parse_InvalidOutputs_NamesTheKind(string output, string kind) =>
        _contract.Parse(Encoding.UTF8.GetBytes(output)).Invalid.Should().Be(kind);

    [Test]
    public void Parse_UnconstrainedOrderAndSpacing_ReadAsTheSameSet() =>
        _contract.Parse("[ \"D\",\"B\" ]"u8).Letters.Should().BeEquivalentTo(["B", "D"]);

    [Test]
    public void Parse_NotUtf8_CountedAsNotUtf8() =>
        _contract.Parse(new byte[] { 0x5B, 0xC3 }).Invalid.Should().Be(AnswerInvalidKinds.NotUtf8);

    [TestCase("", "[\"")]
    [TestCase("[", "\"")]
    [TestCase("[\"A", "")]
    [TestCase("[\"E", "\"]")]
    [TestCase("[\"A\",", " \"")]
    [TestCase("[\"A\", ", "\"")]
    [TestCase("[\"B\", \"", "")]
    public void ForcedLiteral_Prefixes_ForcesOnlyWhatEveryAnswerWrites(string output, string forced) =>
        Encoding.UTF8.GetString(_contract.ForcedLiteral(Encoding.UTF8.GetBytes(output))).Should().Be(forced);
}
