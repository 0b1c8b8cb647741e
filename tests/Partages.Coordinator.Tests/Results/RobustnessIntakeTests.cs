using Partages.Coordinator.Results;
using Partages.Evaluation.Bundles;
using Partages.Evaluation.Metrics;
using Partages.Evaluation.Robustness;

namespace Partages.Coordinator.Tests.Results;

/// <summary>The coordinator's intake of a robustness suite: the spec's perturbations and seeds, nothing else.</summary>
public sealed class RobustnessIntakeTests
{
    private const string Spec = "version: 1\nname: s\ntask: single_label_classification\ndataset: reports\nlabels: [BLSE, EPC]\n"
        + "robustness:\n  - perturbation: join_lines\n    seed: 4\n";

    private static readonly string[] Labels = ["BLSE", "EPC"];

    [Test]
    public void Validate_SuiteAsTheSpecLists_Accepted()
    {
        ResultIntake.Validate(ResultJson.Serialize(Site(seed: 4)), Evaluation(), out var problem).Should().NotBeNull(problem);
    }

    [TestCase(null, "are not the spec's [join_lines]")]
    [TestCase(5L, "seed 5 is not the spec's 4")]
    public void Validate_SuiteNotTheSpecs_RefusedWithTheReason(long? seed, string expected)
    {
        var document = seed is { } s ? Site(s) : Site(4) with { Robustness = null };

        ResultIntake.Validate(ResultJson.Serialize(document), Evaluation(), out var problem).Should().BeNull();
        problem.Should().Contain(expected);
    }

    [Test]
    public void For_SameEvaluationAgain_ReturnsTheRulesReadTheFirstTime()
    {
        var cache = new IntakeRulesCache();

        var first = cache.For(Evaluation());
        var again = cache.For(Evaluation());

        first.Robustness.Select(c => (c.Kind, c.Seed)).Should().Equal(("join_lines", 4L));
        first.Labels.Should().Equal(Labels);
        again.Should().BeSameAs(first, "the spec is parsed once per evaluation, not once per result");
    }

    [Test]
    public void For_SpecHashDiffers_ReadsTheSpecAgain()
    {
        var cache = new IntakeRulesCache();
        var first = cache.For(Evaluation());

        var evaluation = Evaluation();
        evaluation.SpecSha256 = "other";
        evaluation.SpecYaml = Spec.Replace("seed: 4", "seed: 9", StringComparison.Ordinal);

        var changed = cache.For(evaluation);

        changed.Should().NotBeSameAs(first);
        changed.Robustness.Single().Seed.Should().Be(9);
    }

    private static ResultDocument Site(long seed)
    {
        var counts = new ClassificationCounts(Labels);
        counts.Add(0, 0, 5);
        counts.Add(1, 1, 3);
        var summary = new InputSummary { DocumentsRead = 8, DocumentsEvaluated = 8 };
        var clean = ResultDocument.FromCounts(TaskTypes.SingleLabelClassification, counts, summary) with { Release = new ReleaseSection() };
        return RobustnessResults.Attach(clean, [new PerturbationResult
        {
            Perturbation = "join_lines",
            Seed = seed,
            ReportsChanged = 6,
            ReportsUnchanged = 2,
            Paired = new PairedOutcomes { Unit = PairedOutcomes.DocumentUnit, CleanOnly = 0, PerturbedOnly = 0 },
            Result = clean,
        }]);
    }

    private static EvaluationEntity Evaluation() => new()
    {
        Id = "ev-1",
        Name = "s",
        SpecYaml = Spec,
        SpecSha256 = "",
        ModelBundleSha256 = "",
        Owner = "tester",
        Task = TaskTypes.SingleLabelClassification,
        Dataset = "reports",
        LabelsJson = JsonSerializer.Serialize(Labels),
        MinSites = 1,
        Status = EvaluationStatus.Running,
    };
}
