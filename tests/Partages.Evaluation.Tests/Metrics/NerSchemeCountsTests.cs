namespace Partages.Evaluation.Tests.Metrics;

/// <summary>nervaluate's README scenarios (SemEval-2013 9.1), worked out by hand, on character offsets.</summary>
public class NerSchemeCountsTests
{
    private static readonly string[] Types = ["PER", "LOC", "ORG"];
    private const int Per = 0, Loc = 1, Org = 2;

    [Test]
    public void Add_SameBoundariesAndType_CorrectInEveryScheme()
    {
        var counts = Evaluate([new(0, 5, Per)], [new(0, 5, Per)]);

        foreach (var scheme in NerSchemes.All)
        {
            counts.Overall(scheme).Should().Be(new NerOutcomeCounts { Correct = 1 }, scheme);
        }

        NerSchemeMetrics.From(NerSchemes.Strict, counts.Overall(NerSchemes.Strict)).F1.Should().Be(1);
    }

    [Test]
    public void Add_BoundaryMismatchSameType_ExactIncorrectPartialPartialTypeCorrect()
    {
        // Gold PER [0, 10) "John Smith", predicted PER [5, 10) "Smith".
        var counts = Evaluate([new(0, 10, Per)], [new(5, 10, Per)]);

        OverallShouldBe(counts, strict: One.Incorrect, exact: One.Incorrect, partial: One.Partial, type: One.Correct);
        NerSchemeMetrics.From(NerSchemes.Partial, counts.Overall(NerSchemes.Partial)).Should().BeEquivalentTo(
            new { Possible = 1L, Actual = 1L, Precision = 0.5, Recall = 0.5, F1 = 0.5 });
    }

    [Test]
    public void Add_SameBoundariesOtherType_StrictAndTypeIncorrectExactAndPartialCorrect()
    {
        var counts = Evaluate([new(0, 5, Per)], [new(0, 5, Loc)]);

        OverallShouldBe(counts, strict: One.Incorrect, exact: One.Correct, partial: One.Correct, type: One.Incorrect);
        // Counted under the gold entity's type, as nervaluate does.
        counts.Get(NerSchemes.Strict, Per).Incorrect.Should().Be(1);
        counts.Get(NerSchemes.Strict, Loc).Should().Be(new NerOutcomeCounts());
    }

    [Test]
    public void Add_OverlapOtherType_IncorrectButPartialPartial()
    {
        var counts = Evaluate([new(0, 10, Per)], [new(0, 4, Org)]);

        OverallShouldBe(counts, strict: One.Incorrect, exact: One.Incorrect, partial: One.Partial, type: One.Incorrect);
    }

    [Test]
    public void Add_PredictionOverlappingNothing_SpuriousUnderItsType()
    {
        var counts = Evaluate([], [new(3, 8, Org)]);

        foreach (var scheme in NerSchemes.All)
        {
            counts.Overall(scheme).Should().Be(new NerOutcomeCounts { Spurious = 1 }, scheme);
            counts.Get(scheme, Org).Spurious.Should().Be(1);
        }

        NerSchemeMetrics.From(NerSchemes.Strict, counts.Overall(NerSchemes.Strict)).Should().BeEquivalentTo(
            new { Actual = 1L, Possible = 0L, Precision = 0.0, Recall = 0.0 });
    }

    [Test]
    public void Add_GoldNeverPredicted_MissedInEveryScheme()
    {
        var counts = Evaluate([new(0, 5, Loc)], []);

        foreach (var scheme in NerSchemes.All)
        {
            counts.Get(scheme, Loc).Should().Be(new NerOutcomeCounts { Missed = 1 }, scheme);
        }
    }

    [Test]
    public void Add_AdjacentSpansTouchingAtOneOffset_DoNotOverlap()
    {
        // [0, 5) and [5, 9): end is exclusive, so a prediction right after a gold entity is spurious, not partial.
        var counts = Evaluate([new(0, 5, Per)], [new(5, 9, Per)]);

        counts.Overall(NerSchemes.Partial).Should().Be(new NerOutcomeCounts { Missed = 1, Spurious = 1 });
    }

    [Test]
    public void Add_DavidBatistaBlogExample_MatchesHandCountsAndMetrics()
    {
        // The blog's table (one prediction per scenario, six gold entities):
        //  I   gold PER [0,5)  pred PER [0,5)   correct
        //  II  no gold         pred LOC [10,15) spurious
        //  III gold LOC [20,25) no prediction   missed
        //  IV  gold ORG [30,35) pred PER [30,35) type wrong, boundaries right
        //  V   gold PER [40,50) pred PER [45,50) boundary wrong, type right
        //  VI  gold LOC [60,70) pred ORG [60,65) both wrong
        var gold = new NerEntity[] { new(0, 5, Per), new(20, 25, Loc), new(30, 35, Org), new(40, 50, Per), new(60, 70, Loc) };
        var predicted = new NerEntity[] { new(0, 5, Per), new(10, 15, Loc), new(30, 35, Per), new(45, 50, Per), new(60, 65, Org) };

        var counts = Evaluate(gold, predicted);

        counts.Overall(NerSchemes.Strict).Should().Be(new NerOutcomeCounts { Correct = 1, Incorrect = 3, Missed = 1, Spurious = 1 });
        counts.Overall(NerSchemes.Type).Should().Be(new NerOutcomeCounts { Correct = 2, Incorrect = 2, Missed = 1, Spurious = 1 });
        counts.Overall(NerSchemes.Partial).Should().Be(new NerOutcomeCounts { Correct = 2, Partial = 2, Missed = 1, Spurious = 1 });
        counts.Overall(NerSchemes.Exact).Should().Be(new NerOutcomeCounts { Correct = 2, Incorrect = 2, Missed = 1, Spurious = 1 });

        // The blog's figures: possible 5, actual 5; strict P = R = 1/5; partial P = R = (2 + 0.5 × 2) / 5 = 0.6.
        var strict = NerSchemeMetrics.From(NerSchemes.Strict, counts.Overall(NerSchemes.Strict));
        strict.Possible.Should().Be(5);
        strict.Actual.Should().Be(5);
        strict.Precision.Should().BeApproximately(0.2, 1e-12);
        var partial = NerSchemeMetrics.From(NerSchemes.Partial, counts.Overall(NerSchemes.Partial));
        partial.Precision.Should().BeApproximately(0.6, 1e-12);
        partial.Recall.Should().BeApproximately(0.6, 1e-12);
        NerSchemeMetrics.From(NerSchemes.Exact, counts.Overall(NerSchemes.Exact)).Recall.Should().BeApproximately(0.4, 1e-12);
        NerSchemeMetrics.From(NerSchemes.Type, counts.Overall(NerSchemes.Type)).F1.Should().BeApproximately(0.4, 1e-12);
    }

    [Test]
    public void Add_GoldOverlappedByTwoPredictions_CountedOncePerPredictionAsNervaluate()
    {
        var counts = Evaluate([new(0, 10, Per)], [new(0, 4, Per), new(6, 10, Per)]);

        counts.Overall(NerSchemes.Partial).Should().Be(new NerOutcomeCounts { Partial = 2 });
        counts.Overall(NerSchemes.Strict).Should().Be(new NerOutcomeCounts { Incorrect = 2 });
    }

    [Test]
    public void Pool_RandomSplitsOfDocuments_EqualsTheUnionExactly()
    {
        var random = new Random(12345);
        for (var trial = 0; trial < 20; trial++)
        {
            var documents = Enumerable.Range(0, 40).Select(_ => (Gold: RandomEntities(random), Pred: RandomEntities(random))).ToList();
            var union = new NerSchemeCounts(Types);
            var sites = Enumerable.Range(0, 1 + random.Next(5)).Select(_ => new NerSchemeCounts(Types)).ToList();
            foreach (var (gold, pred) in documents)
            {
                union.Add(gold, pred);
                sites[random.Next(sites.Count)].Add(gold, pred);
            }

            var pooled = NerSchemeCounts.Pool(Types, sites);

            NerResults.SchemesSection(pooled).Should().BeEquivalentTo(NerResults.SchemesSection(union));
            pooled.DocumentCount.Should().Be(documents.Count);
        }
    }

    /// <summary>One outcome of each kind, to name the single entity's outcome under each scheme.</summary>
    private static class One
    {
        public static readonly NerOutcomeCounts Correct = new() { Correct = 1 };
        public static readonly NerOutcomeCounts Incorrect = new() { Incorrect = 1 };
        public static readonly NerOutcomeCounts Partial = new() { Partial = 1 };
    }

    private static void OverallShouldBe(NerSchemeCounts counts, NerOutcomeCounts strict, NerOutcomeCounts exact, NerOutcomeCounts partial, NerOutcomeCounts type)
    {
        counts.Overall(NerSchemes.Strict).Should().Be(strict, NerSchemes.Strict);
        counts.Overall(NerSchemes.Exact).Should().Be(exact, NerSchemes.Exact);
        counts.Overall(NerSchemes.Partial).Should().Be(partial, NerSchemes.Partial);
        counts.Overall(NerSchemes.Type).Should().Be(type, NerSchemes.Type);
    }

    private static NerSchemeCounts Evaluate(NerEntity[] gold, NerEntity[] predicted)
    {
        var counts = new NerSchemeCounts(Types);
        counts.Add(gold, predicted);
        return counts;
    }

    private static NerEntity[] RandomEntities(Random random) => RandomNerEntities.Draw(random, Types.Length, 60);
}
