using Partages.Evaluation.Metrics;
using EvaluationView = Partages.Contracts.V1.Evaluation;

namespace Partages.EndToEnd.Tests;

/// <summary>
/// Entity recognition across three hospitals, as real processes: each node runs the model kit's token classifier on
/// its own oncology reports under its dataset's default differential privacy (at most 10 entities per report and
/// type counted, every count noised), and the coordinator pools the noisy counts with their variances.
/// </summary>
[NonParallelizable]
public sealed class NerFederationTests : FederationFixture
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    private static readonly string[] Sites = ["site-a", "site-b", "site-c"];

    [OneTimeSetUp]
    public async Task StartFederation()
    {
        var assets = TestAssets.Assets;
        var workDirectory = TestAssets.NewDirectory("ner-federation");
        var options = new FederationOptions { WorkDirectory = workDirectory, PinnedBundleSha256 = [assets.NerBundleSha256] };
        await StartSitesAsync(options, Sites, i => [new NodeDataset("oncology-reports", assets.Hospitals[i].OncologyPath)], "e2e-ner", assets.NerBundlePath);
    }

    [Test]
    public async Task Evaluation_NerOverThreeSitesUnderDifferentialPrivacy_PooledCountsAreTheSumsOfTheSitesNoisyCountsWithTheirVariances()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var (result, sites) = await RunShippedSpecAsync("oncology-biomarkers-ner.yaml", cts.Token);

        // Differential privacy is every dataset's default: each site's counts left with noise, at the default ε.
        sites.Should().OnlyContain(s => s.Release != null && s.Release.DifferentialPrivacy != null, "every result left through the release gate, under differential privacy");
        sites.Should().OnlyContain(s => Math.Abs(s.Release!.DifferentialPrivacy!.Epsilon - 1) < 1e-6);
        sites.Should().OnlyContain(s => s.EntityClipping != null && s.EntityClipping.MaxEntitiesPerReport == 10 && s.EntityClipping.MaxWordsPerReport == 500, "counted under the policy's bounds");
        sites.Should().OnlyContain(s => s.Schemes != null && s.Seqeval != null && s.Seqeval.Words != null && s.Seqeval.WordsCorrect != null, "word counts leave noised, under the word bound");
        sites.Should().OnlyContain(s => s.Release!.WithheldSections.Count == 0);
        var pooled = result.Pooled!;
        pooled.Schemes.Should().NotBeNull();
        pooled.Seqeval.Should().NotBeNull();
        pooled.NDocuments.Should().Be(sites.Sum(s => s.NDocuments));

        var types = pooled.ConfusionMatrix.Labels;
        types.Should().BeEquivalentTo("BIOMARKER", "STATUS");
        var siteCounts = sites.Select(s => PrivateNerResults.Read(s, types)).ToList();
        var pooledCounts = PrivateNerResults.Read(pooled, types);
        pooledCounts.Outcomes.Cells().Should().Equal(NerOutcomes.Sum(types.Count, siteCounts.Select(c => c.Outcomes)).Cells(), "nervaluate's outcomes add");
        foreach (var scheme in NerSchemes.All)
        {
            foreach (var type in types)
            {
                var summed = sites.Select(s => s.Schemes![scheme].PerType[type].ToCounts()).Aggregate(new NerOutcomeCounts(), NerOutcomeCounts.Add);
                pooled.Schemes![scheme].PerType[type].ToCounts().Should().Be(summed, $"{scheme} {type}: sums of the sites' released counts");
            }
        }

        for (var t = 0; t < types.Count; t++)
        {
            pooledCounts.SeqevalTp[t].Should().Be(siteCounts.Sum(c => c.SeqevalTp[t]));
            pooledCounts.SeqevalFp[t].Should().Be(siteCounts.Sum(c => c.SeqevalFp[t]));
            pooledCounts.SeqevalFn[t].Should().Be(siteCounts.Sum(c => c.SeqevalFn[t]));
        }

        pooled.EntityClipping!.ReportsClipped.Should().Be(sites.Sum(s => s.EntityClipping!.ReportsClipped));
        pooled.Seqeval!.Words.Should().Be(sites.Sum(s => s.Seqeval!.Words), "word counts add");
        pooled.Release!.DifferentialPrivacy!.NoiseVariance.WordCounts.Should().Be(sites.Sum(s => s.Release!.DifferentialPrivacy!.NoiseVariance.WordCounts));
        var variances = sites.Select(s => s.Release!.DifferentialPrivacy!.NoiseVariance).ToList();
        var pooledVariance = pooled.Release!.DifferentialPrivacy!.NoiseVariance;
        pooledVariance.EntityCounts.Should().BeApproximately(variances.Sum(v => v.EntityCounts!.Value), 1e-6);
        pooledVariance.SeqevalCounts.Should().BeApproximately(variances.Sum(v => v.SeqevalCounts!.Value), 1e-6);
        pooledVariance.OutcomeCounts.Should().BeApproximately(variances.Sum(v => v.OutcomeCounts), 1e-6);
        pooled.Schemes![NerSchemes.Strict].OverallIntervals.Should().NotBeNull("every figure printed from noisy counts carries an interval");
        result.OmittedSections.Should().ContainSingle(o => o.Section == "heterogeneity");
        foreach (var (name, site) in Sites.Zip(sites).Append(("pooled", pooled)))
        {
            var strict = site.Schemes![NerSchemes.Strict];
            TestContext.Out.WriteLine(
                $"{name}: {site.NDocuments} reports (noisy), {site.EntityClipping!.ReportsClipped} clipped (noisy), strict F1 {Figure(strict.Overall.F1)} "
                + $"[{Figure(strict.OverallIntervals?.F1?.CiLow)}, {Figure(strict.OverallIntervals?.F1?.CiHigh)}], seqeval micro F1 {Figure(site.Micro.F1)}, "
                + $"ε {site.Release!.DifferentialPrivacy!.Epsilon:0.00}, σ² outcomes {site.Release.DifferentialPrivacy.NoiseVariance.EntityCounts:0}");
        }
    }

    [Test]
    public async Task Evaluation_QualifiersSpecOverThreeSitesUnderDifferentialPrivacy_AttributesAndCodesPooledAsTheSumsOfTheSitesNoisyCounts()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var (result, sites) = await RunShippedSpecAsync("oncology-qualifiers-ner.yaml", cts.Token);

        sites.Should().OnlyContain(s => s.Release!.DifferentialPrivacy != null && s.Release.WithheldSections.Count == 0);
        sites.Should().OnlyContain(s => s.SpanQualifiers != null && s.SpanQualifiers.SpanAttribute != null && s.SpanQualifiers.Normalisation != null && s.SpanQualifiers.Fragments == null,
            "the spec asks span_attribute and normalisation, not ner_fragments");
        // The model kit's generator writes negated and hypothetical mentions and ICD-O-3 codes, and its bundle declares both heads.
        var qualifiers = result.Pooled!.SpanQualifiers!;
        qualifiers.Attributes.Select(a => a.Name).Should().Contain(["Negation", "Hypothesis"]);
        qualifiers.CodeSystem.Should().NotBeNullOrEmpty();
        qualifiers.SpanAttribute!.PerValue.Keys.Should().Contain(k => k.StartsWith("Negation=", StringComparison.Ordinal))
            .And.Contain(k => k.StartsWith("Hypothesis=", StringComparison.Ordinal));
        foreach (var item in qualifiers.SpanAttribute.PerValue.Keys)
        {
            var summed = sites.Select(s => s.SpanQualifiers!.SpanAttribute!.PerValue[item]).ToList();
            var pooledItem = qualifiers.SpanAttribute.PerValue[item];
            (pooledItem.Tp, pooledItem.Positives, pooledItem.Support).Should().Be(
                (summed.Sum(v => v.Tp), summed.Sum(v => v.Positives), summed.Sum(v => v.Support)), $"{item}: sums of the sites' noisy counts");
            pooledItem.Ap.Should().BeNull("the probability histograms are not released under differential privacy");
        }

        // Under the dataset's default ε the noise on span_attribute's counts (its sensitivity grows with the attributes
        // and the entity bound, docs/ner.md) can drown a few hundred mentions: a figure is then "not estimable" (null),
        // and any figure printed carries its interval.
        if (qualifiers.SpanAttribute.Micro.F1 is not null)
        {
            qualifiers.SpanAttribute.MicroIntervals.Should().NotBeNull();
            qualifiers.SpanAttribute.MicroIntervals!.F1.Should().NotBeNull("every figure printed from noisy counts carries an interval");
        }

        qualifiers.Normalisation!.Overall.Total.Should().Be(sites.Sum(s => s.SpanQualifiers!.Normalisation!.Overall.Total));
        qualifiers.Normalisation.Overall.Hits.Should().Be(sites.Sum(s => s.SpanQualifiers!.Normalisation!.Overall.Hits));
        if (qualifiers.Normalisation.Overall.Rate is not null)
        {
            qualifiers.Normalisation.Overall.RateInterval.Should().NotBeNull("every figure printed from noisy counts carries an interval");
        }

        var variances = sites.Select(s => s.Release!.DifferentialPrivacy!.NoiseVariance).ToList();
        var pooledVariance = result.Pooled.Release!.DifferentialPrivacy!.NoiseVariance;
        pooledVariance.SpanAttributeCounts.Should().BeApproximately(variances.Sum(v => v.SpanAttributeCounts!.Value), 1e-6);
        pooledVariance.NormalisationCounts.Should().BeApproximately(variances.Sum(v => v.NormalisationCounts!.Value), 1e-6);
        foreach (var (name, site) in Sites.Zip(sites).Append(("pooled", result.Pooled)))
        {
            var micro = site.SpanQualifiers!.SpanAttribute!;
            TestContext.Out.WriteLine(
                $"{name}: span_attribute micro F1 {Figure(micro.Micro.F1)} [{Figure(micro.MicroIntervals?.F1?.CiLow)}, {Figure(micro.MicroIntervals?.F1?.CiHigh)}] "
                + $"(support {micro.Micro.Support}, noisy, σ² {site.Release!.DifferentialPrivacy!.NoiseVariance.SpanAttributeCounts:0}), normalisation {Figure(site.SpanQualifiers.Normalisation!.Overall.Rate)} of {site.SpanQualifiers.Normalisation.Overall.Total} coded spans (noisy)");
        }
    }

    /// <summary>Runs a spec of eval-specs/ to its end over the three sites; the pooled result and each site's, in site order.</summary>
    private async Task<(PooledResultDocument Result, List<ResultDocument> Sites)> RunShippedSpecAsync(string fileName, CancellationToken cancellationToken)
    {
        var (_, result, sites) = await RunCompletedAsync(EvalSpecs.Read(fileName), Sites, cancellationToken);
        return (result, sites);
    }

    private static string Figure(double? value) => value is { } v ? v.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture) : "not estimable";
}
