using Partages.Evaluation.Tasks.MultipleChoice;

namespace Partages.Evaluation.Tests.Tasks.MultipleChoice;

[TestFixture]
public sealed class MultipleChoiceTaskTests
{
    private static readonly string[] Labels = ["A", "B", "C", "D", "E"];
    private readonly TaskType _task = TaskRegistry.Get(MultipleChoiceTask.TaskName);

    [Test]
    public void Pool_RandomExactSites_PooledEqualsTheUnionOfTheSitesQuestions([Values(1, 2, 3, 4, 5)] int seed)
    {
        var random = new Random(seed);
        var questions = Enumerable.Range(0, 3).Select(_ => RandomQuestions(random)).ToList();
        var sites = questions.Select((q, i) => new KeyValuePair<string, ResultDocument>($"site-{i}", ScoreTests.Build(Count(q)))).ToList();

        var pooled = _task.Pool(Labels, sites).Pooled!;
        var union = ScoreTests.Build(Count([.. questions.SelectMany(q => q)]));

        pooled.MultipleChoice!.HammingHistogram.Should().Equal(union.MultipleChoice!.HammingHistogram);
        pooled.MultipleChoice.Outputs.Should().Equal(union.MultipleChoice.Outputs);
        pooled.MultipleChoice.Truncated.Should().Be(union.MultipleChoice.Truncated);
        pooled.MultipleChoice.ExactMatchRatio.Should().Be(union.MultipleChoice.ExactMatchRatio);
        pooled.MultipleChoice.HammingScore.Should().BeApproximately(union.MultipleChoice.HammingScore!.Value, 1e-12);
        pooled.NDocuments.Should().Be(sites.Sum(s => s.Value.NDocuments));
    }

    [Test]
    public void ReleasePrivate_ExactSite_EveryCountNoisedWithTheStatedVarianceAndNoisyPoolAdds()
    {
        var site = ScoreTests.Build(Count(RandomQuestions(new Random(9))));
        var release = new PrivateRelease(0.5, 1e-6, 8, 512, ["malformed_json"], new ConstantNoise(1));

        var released = _task.ReleasePrivate(site, release);
        _task.CheckSections(released, Labels, noisy: true);
        var pooled = _task.Pool(Labels, [new("a", released), new("b", site)]).Pooled!;

        released.MultipleChoice!.HammingHistogram.Select(b => b.Count).Should().Equal(site.MultipleChoice!.HammingHistogram.Select(b => b.Count + 1));
        released.MultipleChoice.Outputs.Keys.Should().BeEquivalentTo(AnswerInvalidKinds.All.Append(MultipleChoiceSection.Valid));
        released.MultipleChoice.Outputs.Values.Should().OnlyContain(v => v >= 1);
        released.MultipleChoice.Truncated.Should().Be(site.MultipleChoice.Truncated + 1);
        released.Release!.DifferentialPrivacy!.NoiseVariance.OutcomeCounts.Should().BeApproximately(Zcdp.SigmaSquaredFor(0.5, 5), 1e-6);
        released.MultipleChoice.HammingScoreInterval.Should().NotBeNull();
        pooled.MultipleChoice!.HammingHistogram[^1].Count.Should().Be(released.MultipleChoice.HammingHistogram[^1].Count + site.MultipleChoice.HammingHistogram[^1].Count);
    }

    [Test]
    public void CheckSections_BinsForOtherOptionCount_Refused()
    {
        var site = ScoreTests.Build(Count(RandomQuestions(new Random(2))));

        var act = () => _task.CheckSections(site, ["A", "B", "C", "D"], noisy: false);

        act.Should().Throw<InvalidDataException>().WithMessage("*hamming_histogram*4 options*");
    }

    [Test]
    public void CheckSections_HistogramDisagreesWithOutputs_Refused()
    {
        var site = ScoreTests.Build(Count(RandomQuestions(new Random(2))));
        var tampered = site with { MultipleChoice = site.MultipleChoice! with { Truncated = 0, HammingHistogram = [.. site.MultipleChoice.HammingHistogram.Select((b, i) => i == 0 ? b with { Count = b.Count + 1 } : b)] } };

        var act = () => _task.CheckSections(tampered, Labels, noisy: false);

        act.Should().Throw<InvalidDataException>().WithMessage("*histogram counts*");
    }

    [TestCase("{{question}}\n{{options}}\nRéponse :", 0)]
    [TestCase("{{context}}\n{{question}}\n{{options}}", 0)]
    [TestCase("{{question}} {{report}} {{options}}", 1)]
    [TestCase("{{question}}", 1)]
    public void PromptTemplateProblems_Templates_UnknownOrMissingPlaceholdersCounted(string template, int problems) =>
        _task.PromptTemplateProblems(template).Should().HaveCount(problems);

    [Test]
    public void LabelProblems_NotLettersOrOutOfOrder_Named()
    {
        MultipleChoiceTask.LabelProblems(["A", "B", "C"]).Should().BeEmpty();
        MultipleChoiceTask.LabelProblems(["a", "B"]).Should().ContainSingle().Which.Should().Contain("'a'");
        MultipleChoiceTask.LabelProblems(["B", "A"]).Should().ContainSingle().Which.Should().Contain("alphabetical");
    }

    [Test]
    public void RenderOptions_Options_OneALineInLetterOrder() =>
        QuestionPrompt.RenderOptions([new("B", "vancomycine"), new("A", "amoxicilline")]).Should().Be("A. amoxicilline\nB. vancomycine");

    private sealed record Question(HashSet<string> Gold, HashSet<string>? Predicted, string Outcome, bool Truncated);

    private static List<Question> RandomQuestions(Random random)
    {
        HashSet<string> RandomSet() => [.. Labels.Where(_ => random.NextDouble() < 0.35).DefaultIfEmpty(Labels[random.Next(Labels.Length)])];
        return [.. Enumerable.Range(0, random.Next(5, 40)).Select(_ =>
        {
            var invalid = random.NextDouble() < 0.2;
            return new Question(
                RandomSet(),
                invalid ? null : RandomSet(),
                invalid ? AnswerInvalidKinds.All[random.Next(AnswerInvalidKinds.All.Count)] : MultipleChoiceSection.Valid,
                random.NextDouble() < 0.1);
        })];
    }

    private static MultipleChoiceCounts Count(IEnumerable<Question> questions)
    {
        var counts = new MultipleChoiceCounts(Labels.Length);
        foreach (var q in questions)
        {
            counts.Add(q.Gold, q.Predicted, q.Outcome, q.Truncated);
        }

        return counts;
    }
}

[TestFixture]
public sealed class MultipleChoiceSpecTests
{
    [Test]
    public void Parse_ShippedSpec_ValidWithLettersAndItsMetrics()
    {
        var result = Partages.Evaluation.Specs.SpecParser.Parse(Specs.ShippedSpecs.Yaml("mcq-targeted-therapy.yaml"));

        result.Errors.Should().BeEmpty();
        result.Spec!.Task.Should().Be(MultipleChoiceTask.TaskName);
        result.Spec.Labels.Should().Equal("A", "B", "C", "D", "E");
        result.Spec.Metrics.Should().Equal("exact_match_ratio", "hamming_score", "invalid_rate");
    }

    [Test]
    public void Parse_ExtractionTemplateOnMultipleChoice_RefusedNamingThePlaceholder()
    {
        var yaml = Specs.ShippedSpecs.Yaml("mcq-targeted-therapy.yaml") + "prompt_template: \"{{report}}\"\n";

        var result = Partages.Evaluation.Specs.SpecParser.Parse(yaml);

        result.Spec.Should().BeNull();
        result.Errors.Should().Contain(e => e.Message.Contains("{{report}}") && e.Message.Contains("{{question}}"));
    }
}
