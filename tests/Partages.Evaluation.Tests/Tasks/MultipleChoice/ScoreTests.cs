using Partages.Evaluation.Tasks.GenerativeExtraction;
using Partages.Evaluation.Tasks.MultipleChoice;

namespace Partages.Evaluation.Tests.Tasks.MultipleChoice;

/// <summary>The metrics on hand-worked cases (FrenchMedMCQA's definitions: EMR and the Hamming score |P∩G| / |P∪G|).</summary>
[TestFixture]
public sealed class ScoreTests
{
    private static readonly DecodingRecord Decoding = new(DecodingRecord.Greedy, 16, null, DecodingRecord.EngineLogitMask);

    [Test]
    public void For_FiveOptions_ElevenBinsAscending() =>
        ScoreBins.For(5).Should().Equal("0/1", "1/5", "1/4", "1/3", "2/5", "1/2", "3/5", "2/3", "3/4", "4/5", "1/1");

    [TestCase(new[] { "A", "C" }, new[] { "A", "C" }, "1/1")]
    [TestCase(new[] { "A" }, new[] { "A", "C" }, "1/2")]
    [TestCase(new[] { "A", "B", "C" }, new[] { "A", "C" }, "2/3")]
    [TestCase(new[] { "B", "D" }, new[] { "A", "C", "E" }, "0/1")]
    [TestCase(new[] { "A", "B", "D" }, new[] { "A", "C", "E" }, "1/5")]
    public void Of_PredictedAndGold_IntersectionOverUnion(string[] predicted, string[] gold, string bin) =>
        ScoreBins.Of(new HashSet<string>(predicted), new HashSet<string>(gold)).Should().Be(bin);

    [Test]
    public void Build_FourHandWorkedQuestions_EmrAndHammingAsComputedByHand()
    {
        // Gold {A,C} answered {A,C} (1), {A} (1/2), {A,B,C} (2/3); gold {B} answered invalidly (0).
        var counts = new MultipleChoiceCounts(5);
        counts.Add(Set("A", "C"), Set("A", "C"), MultipleChoiceSection.Valid, truncated: false);
        counts.Add(Set("A", "C"), Set("A"), MultipleChoiceSection.Valid, truncated: false);
        counts.Add(Set("A", "C"), Set("A", "B", "C"), MultipleChoiceSection.Valid, truncated: true);
        counts.Add(Set("B"), null, AnswerInvalidKinds.Unparsable, truncated: false);

        var result = Build(counts);
        var section = result.MultipleChoice!;

        section.Questions.Should().Be(4);
        section.ExactMatches.Should().Be(1);
        section.ExactMatchRatio.Should().Be(0.25);
        section.HammingScore.Should().BeApproximately((1 + 0.5 + (2.0 / 3) + 0) / 4, 1e-12);
        section.InvalidRate.Should().Be(0.25);
        section.Truncated.Should().Be(1);
        section.HammingScoreInterval!.CiLow.Should().BeLessThan(section.HammingScore!.Value);
        section.HammingScoreInterval.CiHigh.Should().BeGreaterThan(section.HammingScore.Value).And.BeLessThanOrEqualTo(1);
        section.ExactMatchRatioInterval!.CiLow.Should().BeLessThan(0.25);
        result.NDocuments.Should().Be(4);
    }

    [Test]
    public void Add_ValidOutcomeWithPrediction_InvalidOutcomeScoresZeroWhateverPredicted()
    {
        var counts = new MultipleChoiceCounts(5);

        counts.Add(Set("A"), Set("A"), AnswerInvalidKinds.TokenBudget, truncated: false);

        counts.Histogram[0].Should().Be(1, "an invalid answer is wrong, never skipped");
        counts.Outputs[AnswerInvalidKinds.TokenBudget].Should().Be(1);
    }

    [Test]
    public void Build_NoQuestion_FiguresNotEstimable()
    {
        var section = Build(new MultipleChoiceCounts(5)).MultipleChoice!;

        section.ExactMatchRatio.Should().BeNull();
        section.HammingScore.Should().BeNull();
        section.InvalidRate.Should().BeNull();
    }

    [Test]
    public void Serialize_Result_ReadsBackTheSameJson()
    {
        var counts = new MultipleChoiceCounts(5);
        counts.Add(Set("A", "C"), Set("A"), MultipleChoiceSection.Valid, truncated: false);
        var json = ResultJson.Serialize(Build(counts));

        json.Should().Contain("\"multiple_choice\"").And.Contain("\"hamming_histogram\"");
        ResultJson.Serialize(ResultJson.DeserializeSite(json)).Should().Be(json);
    }

    internal static HashSet<string> Set(params string[] letters) => new(letters, StringComparer.Ordinal);

    internal static ResultDocument Build(MultipleChoiceCounts counts) =>
        MultipleChoiceResults.Build(
            MultipleChoiceTask.TaskName, counts.Bins, counts.Histogram, counts.Outputs, counts.Truncated, Decoding,
            new InputSummary { DocumentsRead = counts.Histogram.Sum(), DocumentsEvaluated = counts.Histogram.Sum() }, release: null);
}
