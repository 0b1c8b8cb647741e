using Partages.Evaluation.Tasks;
using Partages.Evaluation.Tasks.EntityRecognition;
using Partages.Evaluation.Tokenization;

namespace Partages.NodeAgent.Tests.ReleaseGate;

/// <summary>The release gate on span_attribute, normalisation and ner_fragments (docs/ner.md "Attributes, codes and fragments").</summary>
public sealed partial class NerDisclosureTests
{
    // One attribute (Negation, default false: one item) and three codes.
    private static readonly NerQualifierSchema QualifierSchema = new([new NerAttribute("Negation", ["false", "true"], "false")], "ICD-O-3", ["8140/3", "8500/3", "8520/3"]);

    [Test]
    public void Apply_SpecAskingQualifierMetrics_ReleasedExactlyWhenPrivacyIsOffAndNoisedUnderIt()
    {
        var result = QualifierSite(Enumerable.Range(0, 3000).Select(i => QualifierReport(i, negated: i % 3 == 0, code: i % 2)).ToList());

        var exact = DisclosureControl.Apply(result, Exact, new RecordingNoise(0));
        var noisy = DisclosureControl.Apply(result, Private, new SeededNoise(5));

        exact.SpanQualifiers.Should().BeEquivalentTo(result.SpanQualifiers);
        exact.SpanQualifiers!.SpanAttribute!.PerValue["Negation=true"].TpByBin.Should().NotBeNull("exact releases keep the histograms behind AP");
        var section = noisy.SpanQualifiers!;
        noisy.Release!.WithheldSections.Should().BeEmpty();
        section.Metrics().Should().Equal(QualifierMetrics.All);
        var negation = section.SpanAttribute!.PerValue["Negation=true"];
        negation.Ap.Should().BeNull("the probability histograms are not released under differential privacy");
        negation.TpByBin.Should().BeNull();
        negation.F1.Should().NotBeNull("3000 reports at ε = 1");
        section.SpanAttribute.PerValueIntervals!["Negation=true"].F1.Should().Match<Interval>(i => i.CiLow <= negation.F1 && negation.F1 <= i.CiHigh);
        section.Normalisation!.Overall.RateInterval.Should().NotBeNull();
        section.Fragments!.Overall.Entities.Rate.Should().NotBeNull("a thousand discontinuous entities");
        var variances = noisy.Release.DifferentialPrivacy!.NoiseVariance;
        new[] { variances.SpanAttributeCounts, variances.NormalisationCounts, variances.FragmentCounts }.Should().OnlyContain(v => v > 0);
        noisy.Release.DifferentialPrivacy.Rho.Should().BeApproximately(Privacy.RhoPerRelease, 1e-12, "the qualifier metrics share the EDS-NLP part of the same ρ");
    }

    [Test]
    public void Apply_PrivateQualifiers_EveryCellNoisedWithItsDerivedVariance()
    {
        var result = QualifierSite([QualifierReport(0, negated: true, code: 0), QualifierReport(1, negated: false, code: 1), .. Enumerable.Range(0, 30).Select(i => QualifierReport(i, true, 2))]);
        var noise = new RecordingNoise(1);

        var released = DisclosureControl.Apply(result, Private, noise);

        // m = 2, T = 2, A = 1; 0.3 of ρ split over the three metrics asked.
        var rho = Privacy.RhoPerRelease * 0.1;
        Count(noise, 4.0 * 1 * (2 * 2) * (2 * 2) / (2 * rho)).Should().Be(3, "span_attribute's (tp, fp, fn) of one item, Δ₂² = 4A(mT)² = 64");
        Count(noise, 2.0 * 2 * 2 * 2 / (2 * rho)).Should().Be(2 * 2, "normalisation's (correct, wrong) of 2 types, Δ₂² = 2Tm² = 16");
        Count(noise, 2.0 * 2 * 2 * 2 * 65 / (2 * rho)).Should().Be(4 * 2, "ner_fragments' four cells of 2 types, Δ₂² = 2Tm²(1 + 8²)");
        var exactCodes = result.SpanQualifiers!.Normalisation!.PerType["BIOMARKER"];
        released.SpanQualifiers!.Normalisation!.PerType["BIOMARKER"].Should().Match<ProportionScore>(p => p.Hits == exactCodes.Hits + 1 && p.Total == exactCodes.Total + 2);
    }

    [Test]
    public void Apply_QualifierNeighbouringDatasets_CellsDifferByAtMostTheStatedSensitivity()
    {
        var random = new Random(29);
        var largest = new double[3];
        for (var trial = 0; trial < 200; trial++)
        {
            var reports = Enumerable.Range(0, 25).Select(_ => RandomQualifierReport(random)).ToList();
            var neighbour = reports.ToList();
            neighbour[random.Next(reports.Count)] = RandomQualifierReport(random);

            var (a, b) = (QualifierCells(reports), QualifierCells(neighbour));
            double[] bounds =
            [
                EntityRecognitionRelease.SpanAttributeSensitivitySquared(2, Types.Length, 1),
                EntityRecognitionRelease.NormalisationSensitivitySquared(2, Types.Length),
                EntityRecognitionRelease.FragmentSensitivitySquared(2, Types.Length),
            ];
            for (var k = 0; k < 3; k++)
            {
                var metric = QualifierMetrics.All[k];
                var distance = Squared(a.Cells[metric], b.Cells[metric]);
                distance.Should().BeLessThanOrEqualTo(bounds[k], $"{metric}, trial {trial}");
                largest[k] = Math.Max(largest[k], distance);
            }
        }

        largest.Should().OnlyContain(d => d > 0);
        TestContext.Out.WriteLine($"largest squared distances: span_attribute {largest[0]}, normalisation {largest[1]}, fragments {largest[2]}");
    }

    [Test]
    public void Apply_PrivateQualifierSitesPooled_CellsAndVariancesAreTheSums()
    {
        var a = DisclosureControl.Apply(QualifierSite([.. Enumerable.Range(0, 40).Select(i => QualifierReport(i, i % 2 == 0, i % 3))]), Private, new SeededNoise(1));
        var b = DisclosureControl.Apply(QualifierSite([.. Enumerable.Range(0, 30).Select(i => QualifierReport(i, i % 5 == 0, 0))]), Private, new SeededNoise(2));
        var sites = new Dictionary<string, ResultDocument> { ["a"] = ResultJson.DeserializeSite(ResultJson.Serialize(a)), ["b"] = ResultJson.DeserializeSite(ResultJson.Serialize(b)) };

        var result = PooledResultDocument.Pool(TaskTypes.TokenClassification, Types, sites, []);

        (result.OmittedSections ?? []).Should().NotContain(o => o.Section == "span_qualifiers");
        var (ca, cb, cp) = (NoisyQualifierCounts.Read(a.SpanQualifiers!, Types), NoisyQualifierCounts.Read(b.SpanQualifiers!, Types), NoisyQualifierCounts.Read(result.Pooled!.SpanQualifiers!, Types));
        foreach (var metric in QualifierMetrics.All)
        {
            cp.Cells[metric].Should().Equal(ca.Cells[metric].Zip(cb.Cells[metric], (x, y) => x + y), metric);
        }

        var (va, vp) = (a.Release!.DifferentialPrivacy!.NoiseVariance, result.Pooled!.Release!.DifferentialPrivacy!.NoiseVariance);
        vp.SpanAttributeCounts.Should().BeApproximately(2 * va.SpanAttributeCounts!.Value, 1e-6);
        vp.FragmentCounts.Should().BeApproximately(2 * va.FragmentCounts!.Value, 1e-6);
    }

    /// <summary>
    /// One report: BIOMARKER [0, 2) coded, STATUS [3, 5) maybe negated, both found; a discontinuous STATUS [6, 7) + [8, 9)
    /// of which the first fragment is predicted. The model says "negated" on every third report and codes 0.
    /// </summary>
    private static QualifiedReport QualifierReport(int i, bool negated, int code)
    {
        var (biomarker, status, fragmented) = (new NerEntity(0, 2, B), new NerEntity(3, 5, S), new NerEntity(6, 9, S));
        var gold = new Dictionary<NerEntity, SpanQualifiers>
        {
            [biomarker] = new([-1], Code: code),
            [status] = new([negated ? 1 : -1]),
            [fragmented] = new([-1], Fragments: [(6, 7), (8, 9)]),
        };
        var predicted = new Dictionary<NerEntity, SpanQualifiers>
        {
            [biomarker] = new([0], [0.9f], 0),
            [status] = new([i % 3 == 0 ? 1 : 0], [0.8f], 0),
        };
        return new QualifiedReport(gold, [biomarker, status, new NerEntity(6, 7, S)], predicted);
    }

    private static QualifiedReport RandomQualifierReport(Random random)
    {
        var gold = new Dictionary<NerEntity, SpanQualifiers>();
        var predicted = new Dictionary<NerEntity, SpanQualifiers>();
        var spans = new List<NerEntity>();
        for (var position = random.Next(2); position < Positions - 3; position += 3 + random.Next(2))
        {
            var entity = new NerEntity(position, position + 3, random.Next(Types.Length));
            if (random.Next(3) > 0)
            {
                gold[entity] = new SpanQualifiers([random.Next(-1, 2)], Code: random.Next(-1, 3), Fragments: random.Next(4) == 0 ? [(position, position + 1), (position + 2, position + 3)] : null);
            }

            if (random.Next(3) > 0)
            {
                var p = random.Next(3) == 0 ? new NerEntity(position, position + 1, entity.Type) : entity;
                spans.Add(p);
                predicted[p] = new SpanQualifiers([random.Next(2)], [(float)random.NextDouble()], random.Next(3));
            }
        }

        return new QualifiedReport(gold, [.. spans], predicted);
    }

    private static ResultDocument QualifierSite(IReadOnlyList<QualifiedReport> reports)
    {
        var statistics = new NerStatistics(Types, maxEntitiesPerReport: 2, DifferentialPrivacyPolicy.DefaultMaxWordsPerReport)
        {
            Qualifiers = new NerQualifierOptions(QualifierMetrics.All, QualifierSchema),
        };
        foreach (var report in reports)
        {
            statistics.Add([.. report.Gold.Keys], Words, Iob2.Encode(report.Predicted, Positions), null, e => report.Gold.GetValueOrDefault(e), e => report.PredictedQualifiers.GetValueOrDefault(e));
        }

        return NerResults.Build(TaskTypes.TokenClassification, statistics, new InputSummary { DocumentsRead = reports.Count, DocumentsEvaluated = statistics.DocumentCount });
    }

    /// <summary>The qualifier cells a site would noise (zero noise).</summary>
    private static NoisyQualifierCounts QualifierCells(IReadOnlyList<QualifiedReport> reports)
    {
        var released = DisclosureControl.Apply(QualifierSite(reports), Private with { MinDatasetDocuments = 1 }, new RecordingNoise(0));
        return NoisyQualifierCounts.Read(released.SpanQualifiers!, Types);
    }

    private sealed record QualifiedReport(Dictionary<NerEntity, SpanQualifiers> Gold, NerEntity[] Predicted, Dictionary<NerEntity, SpanQualifiers> PredictedQualifiers);
}
