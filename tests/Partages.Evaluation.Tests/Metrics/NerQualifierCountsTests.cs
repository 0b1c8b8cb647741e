namespace Partages.Evaluation.Tests.Metrics;

/// <summary>span_attribute, normalisation and ner_fragments (<see cref="NerQualifierCounts"/>), counted, released and pooled.</summary>
public sealed class NerQualifierCountsTests
{
    private const int Symp = 0, Dis = 1;
    private static readonly string[] Types = ["SYMP", "DIS"];

    // EDS-NLP's span_attribute example: neg (default false, not counted) on every span, carrier (no default).
    private static readonly NerQualifierSchema Schema = new(
        [new NerAttribute("neg", ["false", "true"], "false"), new NerAttribute("carrier", ["PATIENT", "FATHER"], null)],
        "ICD-10",
        ["R50", "E11", "C80"]);

    [Test]
    public void Section_EdsNlpSpanAttributeExample_GivesItsPublishedPrf()
    {
        // ref:  [fièvreux](SYMP neg=true), [du diabète](DIS neg=false carrier=FATHER), [cancer](DIS neg=false carrier=PATIENT)
        // pred: [fièvreux](SYMP neg=true), [du diabète](DIS neg=false carrier=PATIENT), [cancer](DIS neg=true carrier=PATIENT)
        var (fievreux, diabete, cancer) = (new NerEntity(21, 29, Symp), new NerEntity(42, 52, Dis), new NerEntity(90, 96, Dis));
        var gold = Qualifiers((fievreux, [1, -1]), (diabete, [0, 1]), (cancer, [0, 0]));
        var predicted = Qualifiers((fievreux, [1, -1]), (diabete, [0, 0]), (cancer, [1, 0]));
        var counts = new NerQualifierCounts(Types, Schema);

        counts.Add([fievreux, diabete, cancer], e => gold[e], [fievreux, diabete, cancer], e => predicted[e]);

        var section = QualifierResults.Section(counts, QualifierMetrics.All).SpanAttribute!;
        // EDS-NLP: micro p 0.5 r 0.67 f 0.57 (tp 2, support 3, positives 4); neg 0.5/1/0.67; carrier 0.5/0.5/0.5.
        Figures(section.Micro).Should().Equal(0.5, 0.67, 0.57);
        section.Micro.Should().Match<SpanAttributeScore>(s => s.Tp == 2 && s.Support == 3 && s.Positives == 4);
        Figures(section.PerValue["neg=true"]).Should().Equal(0.5, 1.0, 0.67);
        var carrier = new[] { section.PerValue["carrier=PATIENT"], section.PerValue["carrier=FATHER"] };
        (carrier.Sum(s => s.Tp), carrier.Sum(s => s.Positives), carrier.Sum(s => s.Support)).Should().Be((1, 2, 2));
        section.PerValue.Should().NotContainKey("neg=false", "the default value is not an item");
        // Every probability 1 (no model probability): one tied bin, AP = precision × recall = 0.5 × 2/3. EDS-NLP's
        // loop skips the first ranked item and breaks ties by document order, so it prints 0.17 here (docs/ner.md).
        section.Micro.Ap.Should().BeApproximately(1.0 / 3, 1e-12);
        section.PerValue["neg=true"].Ap.Should().BeApproximately(0.5, 1e-12);
    }

    [Test]
    public void AveragePrecision_RankedBins_StepsAtEachBinOverAllGoldItems()
    {
        // Bin 19: 2 true; bin 10: 1 true, 1 false; bin 2: 1 false; support 4 (one gold item never predicted).
        var tp = new long[QualifierMetrics.ProbabilityBins];
        var fp = new long[QualifierMetrics.ProbabilityBins];
        (tp[19], tp[10], fp[10], fp[2]) = (2, 1, 1, 1);

        var ap = NerQualifierCounts.AveragePrecision(tp, fp, support: 4);

        // 1 × 2/4 + (3/4) × 1/4 (sklearn's average_precision_score on the binned scores, with the missed item).
        ap.Should().BeApproximately(0.5 + 0.1875, 1e-12);
        NerQualifierCounts.AveragePrecision(tp, fp, support: 0).Should().BeNull("a ranking with no gold item has no average precision");
    }

    [Test]
    public void Add_CodesAndFragments_CountedOnMatchedSpansAndFragmentByFragment()
    {
        // Gold: a coded SYMP matched with the same code, a coded DIS matched with another code, an unmatched coded DIS,
        // and a discontinuous DIS in fragments [100,105) + [110,115), of which only the first is predicted.
        var (same, other, missed, fragmented) = (new NerEntity(0, 5, Symp), new NerEntity(10, 15, Dis), new NerEntity(20, 25, Dis), new NerEntity(100, 115, Dis));
        var gold = new Dictionary<NerEntity, SpanQualifiers>
        {
            [same] = new([-1, -1], Code: 0),
            [other] = new([-1, -1], Code: 1),
            [missed] = new([-1, -1], Code: 2),
            [fragmented] = new([-1, -1], Fragments: [(100, 105), (110, 115)]),
        };
        var predicted = new Dictionary<NerEntity, SpanQualifiers> { [same] = new([0, -1], Code: 0), [other] = new([0, -1], Code: 2) };
        var counts = new NerQualifierCounts(Types, Schema);

        counts.Add([.. gold.Keys], e => gold[e], [same, other, new NerEntity(100, 105, Dis)], e => predicted.GetValueOrDefault(e));

        var section = QualifierResults.Section(counts, QualifierMetrics.All);
        section.Normalisation!.PerType["SYMP"].Should().Be(new ProportionScore(1, 1, 1.0));
        section.Normalisation.PerType["DIS"].Should().Be(new ProportionScore(0, 1, 0.0), "the unmatched coded span is not counted");
        section.Fragments!.PerType["DIS"].Should().Be(new FragmentScore(new ProportionScore(0, 1, 0.0), new ProportionScore(1, 2, 0.5)));
        section.Fragments.PerType["SYMP"].Entities.Rate.Should().BeNull("no discontinuous entity: not estimable, never 0 or 1");
    }

    [Test]
    public void Pool_RandomSplitsAcrossSites_PooledSectionEqualsTheUnions()
    {
        var random = new Random(21);
        for (var trial = 0; trial < 20; trial++)
        {
            var union = new NerQualifierCounts(Types, Schema);
            var sites = Enumerable.Range(0, 3).Select(_ => new NerQualifierCounts(Types, Schema)).ToList();
            for (var report = 0; report < 30; report++)
            {
                var (gold, predicted, goldQ, predictedQ) = RandomReport(random);
                union.Add(gold, e => goldQ.GetValueOrDefault(e), predicted, e => predictedQ.GetValueOrDefault(e));
                sites[random.Next(sites.Count)].Add(gold, e => goldQ.GetValueOrDefault(e), predicted, e => predictedQ.GetValueOrDefault(e));
            }

            var released = sites.Select(s => (QualifierSection?)QualifierResults.Section(s, QualifierMetrics.All)).ToList();
            var pooled = QualifierResults.Pool(Types, released, omitted: null);

            pooled.Should().BeEquivalentTo(QualifierResults.Section(union, QualifierMetrics.All));
        }
    }

    [Test]
    public void Read_HistogramsNotSummingToTheCounts_Refused()
    {
        var counts = new NerQualifierCounts(Types, Schema);
        counts.Tp[0] = 2;
        counts.TpBins[0][19] = 2;
        var section = QualifierResults.Section(counts, QualifierMetrics.All);
        var forged = section with
        {
            SpanAttribute = section.SpanAttribute! with
            {
                PerValue = section.SpanAttribute.PerValue.ToDictionary(p => p.Key, p => p.Key == "neg=true" ? p.Value with { Tp = 1, Positives = 1 } : p.Value),
            },
        };

        var act = () => QualifierResults.Read(forged, Types, requireCounts: true);

        act.Should().Throw<InvalidDataException>().WithMessage("*neg=true*impossible*");
    }

    private static (List<NerEntity>, List<NerEntity>, Dictionary<NerEntity, SpanQualifiers>, Dictionary<NerEntity, SpanQualifiers>) RandomReport(Random random)
    {
        var gold = new List<NerEntity>();
        var predicted = new List<NerEntity>();
        var goldQ = new Dictionary<NerEntity, SpanQualifiers>();
        var predictedQ = new Dictionary<NerEntity, SpanQualifiers>();
        for (var start = 0; start < 100; start += 10)
        {
            var entity = new NerEntity(start, start + 5, random.Next(2));
            if (random.Next(3) > 0)
            {
                gold.Add(entity);
                var fragments = random.Next(4) == 0 ? new[] { (start, start + 2), (start + 3, start + 5) } : null;
                goldQ[entity] = new SpanQualifiers([random.Next(-1, 2), random.Next(-1, 2)], Code: random.Next(-1, 3), Fragments: fragments);
            }

            if (random.Next(3) > 0)
            {
                var p = random.Next(4) == 0 ? new NerEntity(start, start + 2, entity.Type) : entity;
                predicted.Add(p);
                predictedQ[p] = new SpanQualifiers([random.Next(2), random.Next(2)], [(float)random.NextDouble(), (float)random.NextDouble()], random.Next(3));
            }
        }

        return (gold, predicted, goldQ, predictedQ);
    }

    private static Dictionary<NerEntity, SpanQualifiers> Qualifiers(params (NerEntity Entity, int[] Values)[] entities) =>
        entities.ToDictionary(e => e.Entity, e => new SpanQualifiers(e.Values));

    private static double[] Figures(SpanAttributeScore score) =>
        [Math.Round(score.Precision!.Value, 2), Math.Round(score.Recall!.Value, 2), Math.Round(score.F1!.Value, 2)];
}
