namespace Partages.Evaluation.Tests.Metrics;

/// <summary>
/// Cases copied from nervaluate 1.1.0's own test suite and README, with their expected numbers. nervaluate's ends are
/// inclusive (its loaders store end = last position), ours exclusive, so every end below is nervaluate's + 1.
/// </summary>
public class NervaluateSuiteTests
{
    private static readonly string[] Types = ["PER", "ORG", "LOC", "DATE"];
    private const int Per = 0, Org = 1, Loc = 2, Date = 3;

    // tests/test_strategies.py: base_sequence "The John Smith who works at Google Inc", entities built by its
    // create_entities_from_bio as PER (1, 3) and ORG (6, 8), read by the strategies as inclusive ends.
    private static readonly NerEntity[] BaseGold = [new(1, 4, Per), new(6, 9, Org)];

    /// <summary>(name, predictions, then strict, ent_type, exact, partial as (correct, incorrect, partial, missed, spurious)).</summary>
    private static IEnumerable<TestCaseData> StrategyCases()
    {
        yield return Case("test_perfect_match", [new(1, 4, Per), new(6, 9, Org)], (2, 0, 0, 0, 0), (2, 0, 0, 0, 0), (2, 0, 0, 0, 0), (2, 0, 0, 0, 0));
        yield return Case("test_missed_entity", [new(1, 4, Per)], (1, 0, 0, 1, 0), (1, 0, 0, 1, 0), (1, 0, 0, 1, 0), (1, 0, 0, 1, 0));
        yield return Case("test_wrong_label", [new(1, 4, Per), new(6, 9, Loc)], (1, 1, 0, 0, 0), (1, 1, 0, 0, 0), (2, 0, 0, 0, 0), (2, 0, 0, 0, 0));
        yield return Case("test_wrong_boundary", [new(1, 4, Per), new(6, 8, Loc)], (1, 1, 0, 0, 0), (1, 1, 0, 0, 0), (1, 1, 0, 0, 0), (1, 0, 1, 0, 0));
        yield return Case("test_shifted_boundary", [new(1, 4, Per), new(7, 9, Loc)], (1, 1, 0, 0, 0), (1, 1, 0, 0, 0), (1, 1, 0, 0, 0), (1, 0, 1, 0, 0));
        yield return Case("test_extra_entity", [new(1, 4, Per), new(4, 6, Per), new(6, 9, Loc)], (1, 1, 0, 0, 1), (1, 1, 0, 0, 1), (2, 0, 0, 0, 1), (2, 0, 0, 0, 1));
    }

    [TestCaseSource(nameof(StrategyCases))]
    public void Overall_NervaluateStrategyCase_MatchesItsExpectedCounts(
        NerEntity[] predicted, NerOutcomeCounts strict, NerOutcomeCounts type, NerOutcomeCounts exact, NerOutcomeCounts partial)
    {
        var counts = new NervaluateOneToOneCounts(Types);

        counts.Add(BaseGold, predicted);

        counts.Overall(NerSchemes.Strict).Should().Be(strict);
        counts.Overall(NerSchemes.Type).Should().Be(type);
        counts.Overall(NerSchemes.Exact).Should().Be(exact);
        counts.Overall(NerSchemes.Partial).Should().Be(partial);
    }

    [Test]
    public void Overall_SingleTokenEntities_MatchTestSingleCharacterEntities()
    {
        // TestSingleCharacterEntities: [PER (1, 1), ORG (4, 4)] both sides → 2 correct; PER (1, 1) against ORG (1, 1)
        // → strict 1 incorrect; ORG (4, 4) not predicted → 1 missed.
        var same = Evaluate([new(1, 2, Per), new(4, 5, Org)], [new(1, 2, Per), new(4, 5, Org)]);
        var otherLabel = Evaluate([new(1, 2, Per)], [new(1, 2, Org)]);
        var missed = Evaluate([new(1, 2, Per), new(4, 5, Org)], [new(1, 2, Per)]);

        same.Overall(NerSchemes.Strict).Should().Be(new NerOutcomeCounts { Correct = 2 });
        same.Overall(NerSchemes.Partial).Should().Be(new NerOutcomeCounts { Correct = 2 });
        otherLabel.Overall(NerSchemes.Strict).Should().Be(new NerOutcomeCounts { Incorrect = 1 });
        missed.Overall(NerSchemes.Strict).Should().Be(new NerOutcomeCounts { Correct = 1, Missed = 1 });
    }

    [Test]
    public void Overall_DefaultMinimumOverlap_MatchesTestEvaluatorWithMinOverlapPercentage()
    {
        // tests/test_evaluator.py: gold PER (0, 9), predicted PER (0, 2), 30 % overlap; at the default threshold the
        // partial scheme counts one partial and no spurious.
        var counts = Evaluate([new(0, 10, Per)], [new(0, 3, Per)]);

        counts.Overall(NerSchemes.Partial).Should().Be(new NerOutcomeCounts { Partial = 1 });
    }

    [Test]
    public void Evaluate_ReadmeExample_MatchesItsSummaryReports()
    {
        // README "Usage example" (list loader, token positions): "The John Smith who works at Google Inc" and
        // "In Paris Marie Curie lived in 1895".
        var counts = new NervaluateOneToOneCounts(Types);
        counts.Add([new(1, 3, Per), new(6, 8, Org)], [new(2, 4, Per), new(6, 8, Org)]);
        counts.Add([new(1, 2, Loc), new(2, 4, Per), new(6, 7, Date)], [new(1, 3, Loc), new(3, 4, Per), new(6, 7, Date)]);

        // Scenario: all — ent_type 5 correct; exact and strict 2 correct 3 incorrect; partial 2 correct 3 partial.
        counts.Overall(NerSchemes.Type).Should().Be(new NerOutcomeCounts { Correct = 5 });
        counts.Overall(NerSchemes.Exact).Should().Be(new NerOutcomeCounts { Correct = 2, Incorrect = 3 });
        counts.Overall(NerSchemes.Partial).Should().Be(new NerOutcomeCounts { Correct = 2, Partial = 3 });
        counts.Overall(NerSchemes.Strict).Should().Be(new NerOutcomeCounts { Correct = 2, Incorrect = 3 });
        // The README prints partial P/R/F1 0.40: 1.1.0 recomputed them without the half point for partial matches
        // once a second document was merged, a bug fixed by nervaluate's PR #109 (issue #108). The counts are the
        // same either way; the half point is SemEval's and fixed nervaluate's: 3.5 / 5.
        NerSchemeMetrics.From(NerSchemes.Partial, counts.Overall(NerSchemes.Partial)).F1.Should().BeApproximately(0.7, 1e-12);

        // mode='entities', scenario strict: DATE 1 correct, LOC 1 incorrect, ORG 1 correct, PER 2 incorrect.
        counts.Get(NerSchemes.Strict, Date).Should().Be(new NerOutcomeCounts { Correct = 1 });
        counts.Get(NerSchemes.Strict, Loc).Should().Be(new NerOutcomeCounts { Incorrect = 1 });
        counts.Get(NerSchemes.Strict, Org).Should().Be(new NerOutcomeCounts { Correct = 1 });
        counts.Get(NerSchemes.Strict, Per).Should().Be(new NerOutcomeCounts { Incorrect = 2 });
    }

    private static NervaluateOneToOneCounts Evaluate(NerEntity[] gold, NerEntity[] predicted)
    {
        var counts = new NervaluateOneToOneCounts(Types);
        counts.Add(gold, predicted);
        return counts;
    }

    private static TestCaseData Case(
        string name,
        NerEntity[] predicted,
        (int, int, int, int, int) strict,
        (int, int, int, int, int) type,
        (int, int, int, int, int) exact,
        (int, int, int, int, int) partial) =>
        new TestCaseData(predicted, Counts(strict), Counts(type), Counts(exact), Counts(partial)).SetArgDisplayNames(name);

    private static NerOutcomeCounts Counts((int C, int I, int P, int M, int S) c) =>
        new() { Correct = c.C, Incorrect = c.I, Partial = c.P, Missed = c.M, Spurious = c.S };
}
