using Partages.Evaluation.Specs;
using Partages.Evaluation.Tasks;
using Partages.Evaluation.Tasks.EntityRecognition;

namespace Partages.NodeAgent.Tests.ReleaseGate;

/// <summary>The release gate on EDS-NLP's ner_exact, ner_token and ner_overlap counters (docs/ner.md, "EDS-NLP metrics").</summary>
public sealed partial class NerDisclosureTests
{
    private const string EdsNlpSpec = """
        version: 1
        name: eds-test
        task: token_classification
        dataset: oncology-reports
        labels: [BIOMARKER, STATUS]
        metrics: [ner_exact, ner_token, ner_overlap]
        """;

    [Test]
    public void Apply_SpecAskingEdsNlpMetrics_ReleasedExactlyWhenPrivacyIsOffAndNoisedUnderIt()
    {
        var spec = SpecParser.Parse(EdsNlpSpec).Spec!;
        var options = NerEdsNlpOptions.From(spec.Metrics, spec.NerOverlapThreshold);
        var result = new NerSite(edsNlp: options).Exact(B, 3000).OverlapSameType(S, 3000).Result();

        var exact = DisclosureControl.Apply(result, Exact, new RecordingNoise(0));
        var noisy = DisclosureControl.Apply(result, Private, new SeededNoise(3));

        exact.EdsNlp.Should().BeEquivalentTo(result.EdsNlp);
        exact.EdsNlp!.Metrics[EdsNlpMetrics.Exact].PerType["BIOMARKER"].Tp.Should().Be(3000);
        noisy.Release!.WithheldSections.Should().BeEmpty("the section is released with noise, not withheld");
        noisy.EdsNlp!.Metrics.Keys.Should().BeEquivalentTo(EdsNlpMetrics.All);
        noisy.EdsNlp.MaxTokensPerReport.Should().Be(DifferentialPrivacyPolicy.DefaultMaxWordsPerReport);
        foreach (var metric in EdsNlpMetrics.All)
        {
            var section = noisy.EdsNlp.Metrics[metric];
            section.PerTypeIntervals.Should().ContainKeys(Types);
            if (section.Micro.F1 is { } f1)
            {
                section.MicroIntervals!.F1.Should().Match<Interval>(i => i.CiLow <= f1 && f1 <= i.CiHigh, metric);
            }
            else
            {
                section.MicroIntervals!.F1.Should().BeNull("a figure not estimable has no interval either");
            }
        }

        // At ε = 1 the span metrics of 6000 reports are estimable; ner_token's noise is sized for W = 500 words per
        // report, so on reports of 20 it may well not be, and is then null rather than a bare ratio.
        noisy.EdsNlp.Metrics[EdsNlpMetrics.Exact].Micro.F1.Should().NotBeNull();
        noisy.EdsNlp.Metrics[EdsNlpMetrics.Overlap].Micro.F1.Should().NotBeNull();

        var variances = noisy.Release.DifferentialPrivacy!.NoiseVariance;
        new[] { variances.EdsNlpExactCounts, variances.EdsNlpTokenCounts, variances.EdsNlpOverlapCounts }.Should().OnlyContain(v => v > 0);
    }

    [Test]
    public void Apply_PrivateEdsNlp_EveryCounterNoisedWithItsDerivedVarianceAndTheSameRho()
    {
        var result = new NerSite(edsNlp: new NerEdsNlpOptions(EdsNlpMetrics.All, 0.5)).Exact(B, 40).OverlapSameType(S, 30).Missed(S, 4).Spurious(B, 5).Result();
        var noise = new RecordingNoise(1);

        var released = DisclosureControl.Apply(result, Private, noise);

        // m = 2, T = 2, W = 500. EDS-NLP takes 0.3 of ρ, 0.1 per metric; the other sections keep 0.7 of their shares.
        var rho = Privacy.RhoPerRelease;
        Count(noise, 32 / (2 * rho * 0.1)).Should().Be((3 * 2) + (4 * 2), "ner_exact's (tp, fp, fn) and ner_overlap's four cells of 2 types, Δ₂² = 4m²T = 32");
        Count(noise, 4.0 * (500 + 4) * (500 + 4) / (2 * rho * 0.1)).Should().Be(3 * 2, "ner_token's (tp, fp, fn) of 2 types, Δ₂² = 4(W + mT)²");
        Count(noise, 24 / (2 * rho * 0.35 * 0.7)).Should().Be(3 * 2, "seqeval keeps 0.7 of its share");
        Count(noise, 2.0 * 500 * 500 / (2 * rho * 0.1 * 0.7)).Should().Be(2, "the words keep 0.7 of their share");
        var shares = (EntityRecognitionRelease.EntityShare + EntityRecognitionRelease.SeqevalShare + EntityRecognitionRelease.ReportShare + EntityRecognitionRelease.WordShare)
            * (1 - EntityRecognitionRelease.EdsNlpShare) + EntityRecognitionRelease.EdsNlpShare;
        shares.Should().BeApproximately(1, 1e-12, "one release charges the policy's ρ");
        released.Release!.DifferentialPrivacy!.Rho.Should().BeApproximately(rho, 1e-12);

        var exactCounts = result.EdsNlp!.Metrics[EdsNlpMetrics.Exact].PerType["BIOMARKER"];
        var noisyCounts = released.EdsNlp!.Metrics[EdsNlpMetrics.Exact].PerType["BIOMARKER"];
        noisyCounts.Should().Match<EdsNlpScore>(s => s.Tp == exactCounts.Tp + 1 && s.Positives == exactCounts.Positives + 2 && s.Support == exactCounts.Support + 2, "tp, fp and fn each moved by 1");
        var overlap = released.EdsNlp.Metrics[EdsNlpMetrics.Overlap].PerType["STATUS"];
        var exactOverlap = result.EdsNlp.Metrics[EdsNlpMetrics.Overlap].PerType["STATUS"];
        overlap.Should().Match<EdsNlpScore>(s => s.Tp == exactOverlap.Tp + 1 && s.TrueGold == exactOverlap.TrueGold + 1 && s.Positives == exactOverlap.Positives + 2 && s.Support == exactOverlap.Support + 2);
        var variances = released.Release.DifferentialPrivacy.NoiseVariance;
        variances.EdsNlpExactCounts.Should().BeApproximately(32 / (2 * rho * 0.1), 1e-3);
        variances.EdsNlpOverlapCounts.Should().BeApproximately(32 / (2 * rho * 0.1), 1e-3);
        variances.EdsNlpTokenCounts.Should().BeApproximately(4.0 * 504 * 504 / (2 * rho * 0.1), 1);
        variances.SeqevalCounts.Should().BeApproximately(24 / (2 * rho * 0.35 * 0.7), 1e-3);
    }

    [Test]
    public void Apply_OneEdsNlpMetric_TakesTheWholeEdsNlpShare()
    {
        var result = new NerSite(edsNlp: new NerEdsNlpOptions([EdsNlpMetrics.Exact], 0.5)).Exact(B, 40).Result();
        var noise = new RecordingNoise(0);

        var released = DisclosureControl.Apply(result, Private, noise);

        Count(noise, 32 / (2 * Privacy.RhoPerRelease * 0.3)).Should().Be(3 * 2);
        released.Release!.DifferentialPrivacy!.NoiseVariance.EdsNlpTokenCounts.Should().BeNull();
        released.EdsNlp!.Metrics.Keys.Should().Equal(EdsNlpMetrics.Exact);
    }

    [Test]
    public void Apply_EdsNlpNeighbouringDatasets_EachMetricsCellsDifferByAtMostItsStatedSensitivity()
    {
        var random = new Random(23);
        var largest = new double[3];
        for (var trial = 0; trial < 200; trial++)
        {
            var reports = Enumerable.Range(0, 25).Select(_ => NerSite.RandomReport(random)).ToList();
            var neighbour = reports.ToList();
            neighbour[random.Next(reports.Count)] = NerSite.RandomReport(random);

            var (a, b) = (EdsNlpCells(reports), EdsNlpCells(neighbour));
            for (var k = 0; k < 3; k++)
            {
                var metric = EdsNlpMetrics.All[k];
                var distance = Squared(a.Cells[metric], b.Cells[metric]);
                var bound = metric == EdsNlpMetrics.Token
                    ? EntityRecognitionRelease.EdsNlpTokenSensitivitySquared(DifferentialPrivacyPolicy.DefaultMaxWordsPerReport, 2, Types.Length)
                    : EntityRecognitionRelease.EdsNlpSpanSensitivitySquared(2, Types.Length);
                distance.Should().BeLessThanOrEqualTo(bound, $"{metric}, trial {trial}");
                largest[k] = Math.Max(largest[k], distance);
            }
        }

        largest.Should().OnlyContain(d => d > 0);
        TestContext.Out.WriteLine($"largest squared distances: exact {largest[0]}, token {largest[1]}, overlap {largest[2]}");
    }

    [Test]
    public void Apply_PrivateEdsNlpSitesPooledOnTheCoordinator_CellsAndVariancesAreTheSums()
    {
        var options = new NerEdsNlpOptions(EdsNlpMetrics.All, 0.5);
        var a = DisclosureControl.Apply(new NerSite(edsNlp: options).Exact(B, 40).Exact(S, 30).Missed(S, 6).Result(), Private, new SeededNoise(1));
        var b = DisclosureControl.Apply(new NerSite(edsNlp: options).Exact(B, 20).Spurious(S, 3).OverlapSameType(B, 5).Result(), Private, new SeededNoise(2));
        var sites = new Dictionary<string, ResultDocument> { ["a"] = ResultJson.DeserializeSite(ResultJson.Serialize(a)), ["b"] = ResultJson.DeserializeSite(ResultJson.Serialize(b)) };
        var result = PooledResultDocument.Pool(TaskTypes.TokenClassification, Types, sites, []);
        var pooled = result.Pooled!;

        (result.OmittedSections ?? []).Should().NotContain(o => o.Section == "edsnlp");
        var (ca, cb, cp) = (NoisyEdsNlpCounts.Read(a.EdsNlp!, Types), NoisyEdsNlpCounts.Read(b.EdsNlp!, Types), NoisyEdsNlpCounts.Read(pooled.EdsNlp!, Types));
        foreach (var metric in EdsNlpMetrics.All)
        {
            cp.Cells[metric].Should().Equal(ca.Cells[metric].Zip(cb.Cells[metric], (x, y) => x + y), metric);
        }

        var (va, vp) = (a.Release!.DifferentialPrivacy!.NoiseVariance, pooled.Release!.DifferentialPrivacy!.NoiseVariance);
        vp.EdsNlpExactCounts.Should().BeApproximately(2 * va.EdsNlpExactCounts!.Value, 1e-6);
        vp.EdsNlpTokenCounts.Should().BeApproximately(2 * va.EdsNlpTokenCounts!.Value, 1e-6);
        vp.EdsNlpOverlapCounts.Should().BeApproximately(2 * va.EdsNlpOverlapCounts!.Value, 1e-6);
        pooled.EdsNlp!.Metrics[EdsNlpMetrics.Overlap].MicroIntervals.Should().NotBeNull();
    }

    [Test]
    public void Apply_PrivateSiteWithEdsNlpPooledWithOneWithout_EdsNlpOmittedByName()
    {
        var a = DisclosureControl.Apply(new NerSite(edsNlp: new NerEdsNlpOptions(EdsNlpMetrics.All, 0.5)).Exact(B, 40).Result(), Private, new SeededNoise(1));
        var b = DisclosureControl.Apply(new NerSite().Exact(B, 20).Result(), Private, new SeededNoise(2));
        var result = PooledResultDocument.Pool(TaskTypes.TokenClassification, Types, new Dictionary<string, ResultDocument> { ["a"] = a, ["b"] = b }, []);
        var pooled = result.Pooled!;

        pooled.EdsNlp.Should().BeNull();
        result.OmittedSections.Should().ContainSingle(o => o.Section == "edsnlp");
        pooled.Release!.DifferentialPrivacy!.NoiseVariance.EdsNlpExactCounts.Should().BeNull("no pooled section carries that noise");
    }

    /// <summary>The EDS-NLP cells a site would noise (zero noise), with every metric asked.</summary>
    private static NoisyEdsNlpCounts EdsNlpCells(IReadOnlyList<NerReport> reports)
    {
        var site = new NerSite(edsNlp: new NerEdsNlpOptions(EdsNlpMetrics.All, 0.5));
        foreach (var report in reports)
        {
            site.Add(report);
        }

        var released = DisclosureControl.Apply(site.Result(), Private with { MinDatasetDocuments = 1 }, new RecordingNoise(0));
        return NoisyEdsNlpCounts.Read(released.EdsNlp!, Types);
    }
}
