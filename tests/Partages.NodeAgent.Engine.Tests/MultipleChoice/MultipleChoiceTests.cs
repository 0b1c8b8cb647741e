using FluentAssertions;
using NUnit.Framework;
using Partages.Evaluation.Results;
using Partages.Evaluation.Specs;
using Partages.Evaluation.Tasks.MultipleChoice;
using Partages.ModelKit.MultipleChoice;
using Partages.NodeAgent.Engine.LocalMode;

namespace Partages.NodeAgent.Engine.Tests.MultipleChoice;

/// <summary>
/// multiple_choice_qa end to end in the engine: the model kit's multiple-choice bundle (a real ONNX decoder with a
/// key/value cache, decoded by the engine's constrained greedy loop on ONNX Runtime) over a hospital's fictional
/// questions. Every answer is a valid list; the model is right on part of them only; bad lines are counted by kind.
/// </summary>
[TestFixture]
public sealed class MultipleChoiceTests
{
    private string _root = null!;
    private McqBundleFiles _built = null!;

    [OneTimeSetUp]
    public void Build()
    {
        _root = Path.Combine(Path.GetTempPath(), "partages-mcq-" + Guid.NewGuid().ToString("N")[..8]);
        _built = McqBundleBuilder.Build(Path.Combine(_root, "kit"));
    }

    [OneTimeTearDown]
    public void CleanUp()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Test]
    public async Task EvaluateLocally_KitBundleOnHospitalQuestions_ValidAnswersImperfectScoresMatchingThePredictions()
    {
        var (slug, path, count) = _built.Datasets[0];
        var predictions = new CollectingSink();

        var result = await Engine().EvaluateLocallyAsync(Job(path), predictions, null, CancellationToken.None);

        var section = result.MultipleChoice!;
        TestContext.Out.WriteLine($"{slug}: EMR {section.ExactMatchRatio:F3} [{section.ExactMatchRatioInterval?.CiLow:F3}, {section.ExactMatchRatioInterval?.CiHigh:F3}], Hamming {section.HammingScore:F3}; "
            + string.Join(" ", section.HammingHistogram.Select(b => $"{b.Score}:{b.Count}")));
        result.InputSummary.DocumentsEvaluated.Should().Be(count);
        section.Questions.Should().Be(count);
        section.Outputs[MultipleChoiceSection.Valid].Should().Be(count, "the constraint keeps every answer a list of offered letters");
        section.ExactMatchRatio.Should().BeInRange(0.2, 0.9, "imperfect by design: negations and drugs it does not know");
        section.HammingScore.Should().BeGreaterThan(section.ExactMatchRatio!.Value);
        // The released histogram is exactly what the per-question outputs give.
        var expected = predictions.Lines
            .Select(p => ScoreBins.Of(Letters(p.Predicted[0].Value), Letters(p.Gold[0].Value)!))
            .GroupBy(b => b)
            .ToDictionary(g => g.Key, g => (long)g.Count());
        section.HammingHistogram.Where(b => b.Count > 0).Should().BeEquivalentTo(expected.Select(e => new ScoreBin(e.Key, e.Value)));
        predictions.Lines.Should().OnlyContain(p => p.Output.EndsWith("\"]", StringComparison.Ordinal));
    }

    [Test]
    public async Task EvaluateLocally_BadLines_CountedByKindNeverFatal()
    {
        var path = Path.Combine(_root, "bad.jsonl");
        File.WriteAllLines(path,
        [
            """{"id":"ok","question":"Parmi les molécules suivantes, laquelle (lesquelles) cible(nt) une altération EGFR ?","options":{"a":"osimertinib","b":"cisplatine"},"answers":["a"]}""",
            """{"id":"no-options","question":"q ?","answers":["A"]}""",
            """{"id":"one-option","question":"q ?","options":{"A":"x"},"answers":["A"]}""",
            """{"id":"not-offered","question":"q ?","options":{"A":"x","B":"y"},"answers":["C"]}""",
            """{"id":"unknown-letter","question":"q ?","options":{"A":"x","F":"y"},"answers":["A"]}""",
            """{"id":"no-answer","question":"q ?","options":{"A":"x","B":"y"},"answers":[]}""",
            """{"id":"empty","question":"  ","options":{"A":"x","B":"y"},"answers":["A"]}""",
            """{"id":"ok","question":"q ?","options":{"A":"x","B":"y"},"answers":["A"]}""",
            "{not json",
        ]);

        var result = await Engine().EvaluateLocallyAsync(Job(path), null, null, CancellationToken.None);

        result.MultipleChoice!.Questions.Should().Be(1);
        result.MultipleChoice.ExactMatches.Should().Be(1, "osimertinib is the EGFR drug the model knows");
        result.InputSummary.Skipped.Should().BeEquivalentTo(new Dictionary<string, long>
        {
            ["no_options"] = 2,
            ["answer_not_offered"] = 1,
            ["unknown_label"] = 1,
            ["missing_label"] = 1,
            ["empty_text"] = 1,
            ["duplicate_id"] = 1,
            ["malformed_json"] = 1,
        });
    }

    [Test]
    public async Task EvaluateLocally_TokenBudgetTooSmall_CountedInvalidAndWrong()
    {
        var small = McqBundleBuilder.Build(Path.Combine(_root, "small"), scale: 0.1, maxNewTokens: 1);
        var (_, path, count) = small.Datasets[2];

        var result = await Engine().EvaluateLocallyAsync(Job(path) with { BundlePath = small.BundlePath }, null, null, CancellationToken.None);

        result.MultipleChoice!.Outputs[AnswerInvalidKinds.TokenBudget].Should().Be(count);
        result.MultipleChoice.HammingHistogram[0].Count.Should().Be(count, "an invalid answer scores 0, never skipped");
        result.MultipleChoice.InvalidRate.Should().Be(1);
    }

    [Test]
    public async Task EvaluateLocally_SpecTemplateWithUnknownPlaceholder_Refused()
    {
        var (_, path, _) = _built.Datasets[2];
        var job = Job(path) with { Spec = Spec() with { PromptTemplate = "{{question}} {{options}} {{report}}" } };

        var act = () => Engine().EvaluateLocallyAsync(job, null, null, CancellationToken.None);

        (await act.Should().ThrowAsync<EvaluationRefusedException>()).Which.Message.Should().Contain("{{report}}");
    }

    [Test]
    public async Task EvaluateLocally_SpecLettersDifferFromBundle_RefusedBeforeAnyQuestion()
    {
        var (_, path, _) = _built.Datasets[2];
        var job = Job(path) with { Spec = Spec() with { Labels = ["A", "B", "C", "D"] } };

        var act = () => Engine().EvaluateLocallyAsync(job, null, null, CancellationToken.None);

        (await act.Should().ThrowAsync<EvaluationRefusedException>()).Which.Message.Should().Contain("option letters");
    }

    [Test]
    public void ParseSpec_UnknownPlaceholder_RefusedAtSubmission()
    {
        var yaml = "version: 1\nname: x\ntask: multiple_choice_qa\ndataset: d\nlabels: [A, B, C, D, E]\nprompt_template: \"{{question}} {{options}} {{age}}\"\n";

        var parsed = SpecParser.Parse(yaml);

        parsed.Spec.Should().BeNull();
        parsed.Errors.Should().ContainSingle(e => e.Message.Contains("{{age}}"));
    }

    private static IReadOnlySet<string>? Letters(string written) =>
        written == "invalid_output" ? null : new HashSet<string>(written.Split(','), StringComparer.Ordinal);

    private static EvaluationEngine Engine() => new(new EvaluationEngineOptions());

    private static EvaluationSpec Spec() => new()
    {
        Name = "mcq",
        Task = MultipleChoiceTask.TaskName,
        Dataset = "mcq",
        Labels = [.. McqCatalogue.Letters],
    };

    private EvaluationJob Job(string path) => new(_built.BundlePath, Spec(), new DatasetDefinition("mcq", path, "jsonl"));

    private sealed class CollectingSink : IPredictionSink
    {
        public List<GenerationPrediction> Lines { get; } = [];

        public void Write(DocumentPrediction prediction) => throw new NotSupportedException();

        public void Write(GenerationPrediction prediction) => Lines.Add(prediction);
    }
}
