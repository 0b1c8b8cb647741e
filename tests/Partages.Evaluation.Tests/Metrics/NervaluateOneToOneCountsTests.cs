namespace Partages.Evaluation.Tests.Metrics;

/// <summary>
/// nervaluate 1.x's one-to-one matching against the 0.1.x rule, on cases worked out by hand where they differ
/// (docs/ner.md, "Entity matching"), on character offsets [start, end).
/// </summary>
public class NervaluateOneToOneCountsTests
{
    private static readonly string[] Types = ["PER", "LOC", "ORG"];
    private const int Per = 0, Loc = 1, Org = 2;

    [Test]
    public void Add_ExactPredictionAfterPartialOne_SpuriousUnderOneToOneCorrectUnder01()
    {
        // Gold PER [0, 5); predicted PER [2, 4) then PER [0, 5). 1.x: the first prediction takes the gold entity,
        // the exact one finds nothing left and is spurious. 0.1: each prediction is judged alone, the exact one correct.
        NerEntity[] gold = [new(0, 5, Per)];
        NerEntity[] predicted = [new(2, 4, Per), new(0, 5, Per)];

        var (v1, v01) = Both(gold, predicted);

        v1.Overall(NerSchemes.Strict).Should().Be(new NerOutcomeCounts { Incorrect = 1, Spurious = 1 });
        v1.Overall(NerSchemes.Partial).Should().Be(new NerOutcomeCounts { Partial = 1, Spurious = 1 });
        v1.Overall(NerSchemes.Type).Should().Be(new NerOutcomeCounts { Correct = 1, Spurious = 1 });
        v01.Overall(NerSchemes.Strict).Should().Be(new NerOutcomeCounts { Correct = 1, Incorrect = 1 });
        v01.Overall(NerSchemes.Partial).Should().Be(new NerOutcomeCounts { Correct = 1, Partial = 1 });
        // 1.x partial: credit 0.5, actual 2, possible 1 → P 0.25, R 0.5. 0.1: credit 1.5 over 2 and 2 → 0.75.
        NerSchemeMetrics.From(NerSchemes.Partial, v1.Overall(NerSchemes.Partial)).Should().Match<NerSchemeMetrics>(m => m.Precision == 0.25 && m.Recall == 0.5);
        NerSchemeMetrics.From(NerSchemes.Partial, v01.Overall(NerSchemes.Partial)).Should().Match<NerSchemeMetrics>(m => m.Precision == 0.75 && m.Recall == 0.75);
    }

    [Test]
    public void Add_TwoPredictionsOverOneGoldEntity_OneMatchedOneSpuriousUnderOneToOne()
    {
        // Gold PER [0, 10) "Jean Dupont"; predicted PER [0, 4) and PER [5, 10). 0.1 counts the gold entity twice.
        var (v1, v01) = Both([new(0, 10, Per)], [new(0, 4, Per), new(5, 10, Per)]);

        v1.Overall(NerSchemes.Strict).Should().Be(new NerOutcomeCounts { Incorrect = 1, Spurious = 1 });
        v01.Overall(NerSchemes.Strict).Should().Be(new NerOutcomeCounts { Incorrect = 2 });
        NerSchemeMetrics.From(NerSchemes.Strict, v01.Overall(NerSchemes.Strict)).Possible.Should().Be(2, "0.1 makes one gold entity count as two");
        NerSchemeMetrics.From(NerSchemes.Strict, v1.Overall(NerSchemes.Strict)).Possible.Should().Be(1);
    }

    [Test]
    public void Add_SameSpanOtherType_OverallIncorrectButPerTypeMissedAndSpurious()
    {
        // Gold PER [0, 5), predicted LOC [0, 5). 1.x filters each type before matching: PER sees no prediction, LOC no gold.
        var (v1, v01) = Both([new(0, 5, Per)], [new(0, 5, Loc)]);

        v1.Overall(NerSchemes.Strict).Should().Be(new NerOutcomeCounts { Incorrect = 1 });
        v1.Overall(NerSchemes.Exact).Should().Be(new NerOutcomeCounts { Correct = 1 });
        foreach (var scheme in NerSchemes.All)
        {
            v1.Get(scheme, Per).Should().Be(new NerOutcomeCounts { Missed = 1 }, scheme);
            v1.Get(scheme, Loc).Should().Be(new NerOutcomeCounts { Spurious = 1 }, scheme);
        }

        v01.Get(NerSchemes.Strict, Per).Should().Be(new NerOutcomeCounts { Incorrect = 1 }, "0.1 counts the pair under the gold type");
        v01.Get(NerSchemes.Exact, Per).Should().Be(new NerOutcomeCounts { Correct = 1 });
        v01.Get(NerSchemes.Strict, Loc).Should().Be(new NerOutcomeCounts());
    }

    [Test]
    public void Add_OtherTypeTakesGoldFirst_OverallIsNotTheSumOfTypes()
    {
        // Gold PER [0, 10); predicted LOC [0, 4), then PER [5, 10).
        // Overall: LOC takes the gold entity (overlap, another type), PER finds nothing left: type = (0, 1, 0, 0, 1).
        // Per type: PER alone sees its prediction overlap its gold entity (type correct); LOC alone is spurious.
        var (v1, v01) = Both([new(0, 10, Per)], [new(0, 4, Loc), new(5, 10, Per)]);

        v1.Overall(NerSchemes.Type).Should().Be(new NerOutcomeCounts { Incorrect = 1, Spurious = 1 });
        v1.Get(NerSchemes.Type, Per).Should().Be(new NerOutcomeCounts { Correct = 1 });
        v1.Get(NerSchemes.Type, Loc).Should().Be(new NerOutcomeCounts { Spurious = 1 });
        v01.Overall(NerSchemes.Type).Should().Be(new NerOutcomeCounts { Correct = 1, Incorrect = 1 });
    }

    [Test]
    public void Add_OneCharacterOfALongGoldEntity_NotEnoughOverlapUnderOneToOne()
    {
        // nervaluate 1.x wants at least 1 % of the gold entity in common: 1 character of 200 is 0.5 %, 2 are 1 %.
        var (short1, short01) = Both([new(0, 200, Per)], [new(199, 203, Per)]);
        var (enough, _) = Both([new(0, 200, Per)], [new(198, 203, Per)]);

        short1.Overall(NerSchemes.Partial).Should().Be(new NerOutcomeCounts { Missed = 1, Spurious = 1 });
        short01.Overall(NerSchemes.Partial).Should().Be(new NerOutcomeCounts { Partial = 1 });
        enough.Overall(NerSchemes.Partial).Should().Be(new NerOutcomeCounts { Partial = 1 });
    }

    [Test]
    public void Add_AdjacentSpans_DoNotOverlap()
    {
        // Ends exclusive here, inclusive in nervaluate: [0, 5) is its [0, 4], which does not reach 5.
        var (v1, _) = Both([new(0, 5, Per)], [new(5, 9, Per)]);

        v1.Overall(NerSchemes.Partial).Should().Be(new NerOutcomeCounts { Missed = 1, Spurious = 1 });
    }

    [Test]
    public void Add_SameDocumentsAsPerTypeOutcomes_SchemeIdentitiesHold()
    {
        // Both sets of outcomes are NerOutcomes, so the release gate's identity check accepts the schemes rebuilt from them.
        var (v1, _) = Both([new(0, 10, Per), new(12, 15, Org)], [new(0, 4, Loc), new(5, 10, Per), new(12, 15, Loc)]);

        foreach (var outcomes in new[] { v1.PerType, v1.Together })
        {
            var boundaries = outcomes.Boundaries;
            var recovered = NerOutcomes.FromSchemes(Types, outcomes.Scheme, boundaries, requireCounts: true);
            recovered.Cells().Should().Equal(outcomes.Cells());
        }

        v1.PerType.OverlapOtherType.Should().OnlyContain(c => c == 0, "a type matched alone never meets another type");
        v1.PerType.SameSpanOtherType(Org).Should().Be(0);
    }

    [Test]
    public void Pool_TwoSites_EqualsTheUnion()
    {
        NerEntity[][] gold = [[new(0, 5, Per)], [new(0, 10, Per), new(12, 15, Org)], [new(3, 8, Loc)]];
        NerEntity[][] predicted = [[new(2, 4, Per), new(0, 5, Per)], [new(0, 4, Loc), new(5, 10, Per)], [new(3, 8, Org)]];
        var union = new NervaluateOneToOneCounts(Types);
        var sites = new[] { new NervaluateOneToOneCounts(Types), new NervaluateOneToOneCounts(Types) };
        for (var d = 0; d < gold.Length; d++)
        {
            union.Add(gold[d], predicted[d]);
            sites[d % 2].Add(gold[d], predicted[d]);
        }

        var pooled = NervaluateOneToOneCounts.Pool(Types, sites);

        pooled.DocumentCount.Should().Be(3);
        pooled.PerType.Cells().Should().Equal(union.PerType.Cells());
        pooled.Together.Cells().Should().Equal(union.Together.Cells());
    }

    [Test]
    public void Add_RandomDocuments_EachEntityOneUnitAndPoolingEqualsTheUnion()
    {
        // What the release gate's sensitivity rests on: one-to-one, every prediction is one unit of actual and every
        // gold entity one unit of possible, overall and per type; and sites' counts add up to the union's.
        var random = new Random(21);
        var union = new NervaluateOneToOneCounts(Types);
        var sites = Enumerable.Range(0, 3).Select(_ => new NervaluateOneToOneCounts(Types)).ToArray();
        for (var d = 0; d < 300; d++)
        {
            var gold = new List<NerEntity>();
            for (var start = random.Next(4); start < 60; start += 2 + random.Next(12))
            {
                var end = start + 1 + random.Next(6);
                gold.Add(new(start, end, random.Next(Types.Length)));
                start = end;
            }

            var predicted = Enumerable.Range(0, random.Next(8))
                .Select(_ => random.Next(60)).Select(s => new NerEntity(s, s + 1 + random.Next(8), random.Next(Types.Length))).ToArray();
            var document = new NervaluateOneToOneCounts(Types);
            document.Add(gold, predicted);
            var overall = NerSchemeMetrics.From(NerSchemes.Strict, document.Overall(NerSchemes.Strict));
            overall.Possible.Should().Be(gold.Count);
            overall.Actual.Should().Be(predicted.Length);
            for (var t = 0; t < Types.Length; t++)
            {
                var perType = NerSchemeMetrics.From(NerSchemes.Partial, document.Get(NerSchemes.Partial, t));
                perType.Possible.Should().Be(gold.Count(e => e.Type == t));
                perType.Actual.Should().Be(predicted.Count(e => e.Type == t));
            }

            union.Add(gold, predicted);
            sites[d % 3].Add(gold, predicted);
        }

        var pooled = NervaluateOneToOneCounts.Pool(Types, sites);
        pooled.PerType.Cells().Should().Equal(union.PerType.Cells());
        pooled.Together.Cells().Should().Equal(union.Together.Cells());
        pooled.DocumentCount.Should().Be(300);
    }

    [Test]
    public void Add_TypeIndexOutsideTypes_Throws()
    {
        var counts = new NervaluateOneToOneCounts(Types);

        var act = () => counts.Add([new(0, 5, 3)], []);

        act.Should().Throw<ArgumentOutOfRangeException>();
    }

    private static (NervaluateOneToOneCounts V1, NerSchemeCounts V01) Both(NerEntity[] gold, NerEntity[] predicted)
    {
        var v1 = new NervaluateOneToOneCounts(Types);
        var v01 = new NerSchemeCounts(Types);
        v1.Add(gold, predicted);
        v01.Add(gold, predicted);
        return (v1, v01);
    }
}
