namespace Partages.Evaluation.Tests.Results;

/// <summary>Pooling multi-label and entity recognition results released under differential privacy: counts and variances add.</summary>
public sealed class PrivateMultiLabelNerPoolingTests
{
    private static readonly string[] Labels = ["BLSE", "EPC"];
    private static readonly string[] Types = ["BIOMARKER", "STATUS"];

    [Test]
    public void Pool_MultiLabelSitesUnderDifferentialPrivacy_EveryCountAndEveryVarianceIsTheSum()
    {
        var a = MultiLabelSite(new NoisyMultiLabelCounts([40, -3], [5, 2], [10, 8], [45, 95], 70, 30, [[40, 4], [-1, -3]]), variance: 20);
        var b = MultiLabelSite(new NoisyMultiLabelCounts([20, 12], [1, 0], [4, 3], [75, 85], 80, 20, [[20, 0], [2, 12]]), variance: 30);

        var pooled = PooledResultDocument.Pool(TaskTypes.MultiLabelClassification, Labels, Sites(a, b), []);

        var counts = PrivateMultiLabelResults.Read(pooled.Pooled!, Labels);
        counts.Tp.Should().Equal(60, 9);
        counts.Tn.Should().Equal(120, 180);
        counts.ExactMatches.Should().Be(150);
        counts.OtherDocuments.Should().Be(50);
        counts.Cooccurrence.Should().BeEquivalentTo(new long[][] { [60, 4], [1, 9] }, o => o.WithStrictOrdering());
        pooled.Pooled!.Release!.DifferentialPrivacy!.NoiseVariance.OutcomeCounts.Should().Be(50);
        pooled.Pooled.Release.DifferentialPrivacy.NoiseVariance.Cooccurrence.Should().Be(12.5);
        pooled.Heterogeneity.Should().BeNull();
        pooled.OmittedSections.Should().ContainSingle(o => o.Section == "heterogeneity");
    }

    [Test]
    public void Pool_MultiLabelExactSiteWithAPrivateOne_ExactCountsJoinWithNoNoise()
    {
        var statistics = new MultiLabelStatistics(Labels);
        statistics.Add([true, false], [true, false]);
        statistics.Add([false, true], [false, false]);
        var exact = MultiLabelResults.Build(TaskTypes.MultiLabelClassification, 0.5, statistics, new InputSummary { DocumentsRead = 2, DocumentsEvaluated = 2 }) with { Release = new ReleaseSection() };
        var noisy = MultiLabelSite(new NoisyMultiLabelCounts([40, 3], [5, 2], [10, 8], [45, 87], 70, 30, [[40, 4], [1, 3]]), variance: 20);

        var pooled = PooledResultDocument.Pool(TaskTypes.MultiLabelClassification, Labels, new Dictionary<string, ResultDocument> { ["a"] = exact, ["b"] = noisy }, []).Pooled!;

        pooled.PerClass["BLSE"].Tp.Should().Be(41);
        pooled.PerClass["EPC"].Fn.Should().Be(9);
        pooled.NDocuments.Should().Be(102);
        pooled.Release!.DifferentialPrivacy!.NoiseVariance.OutcomeCounts.Should().Be(20);
    }

    [Test]
    public void Build_MultiLabelNoisyCounts_SurviveJsonWithTheirSigns()
    {
        var site = MultiLabelSite(new NoisyMultiLabelCounts([40, -3], [5, 2], [10, 8], [45, 95], 70, 30, [[40, 4], [-1, -3]]), variance: 20);

        var read = PrivateMultiLabelResults.Read(ResultJson.DeserializeSite(ResultJson.Serialize(site)), Labels);

        read.Tp.Should().Equal(40, -3);
        read.Cooccurrence[1][0].Should().Be(-1);
        site.PerClass["EPC"].Precision.Should().BeNull("3 predictions' worth of noisy counts do not support a precision");
    }

    [Test]
    public void Pool_NerSitesUnderDifferentialPrivacy_OutcomesSeqevalClippingAndVariancesAreTheSums()
    {
        var a = NerSite(new NerOutcomes([[40, 2], [-1, 30]], [6, 0], [1, 2], [5, 3], [7, -4]), tp: [38, 29], fp: [9, 3], fn: [8, 4], clipped: 3, variance: 100);
        var b = NerSite(new NerOutcomes([[20, 0], [3, 10]], [2, 1], [0, 0], [2, 1], [3, 2]), tp: [19, 11], fp: [3, 2], fn: [4, 2], clipped: -1, variance: 50);

        var pooled = PooledResultDocument.Pool(TaskTypes.TokenClassification, Types, Sites(a, b), []).Pooled!;

        var counts = PrivateNerResults.Read(pooled, Types);
        counts.Outcomes.Cells().Should().Equal(NerOutcomes.Sum(2, [PrivateNerResults.Read(a, Types).Outcomes, PrivateNerResults.Read(b, Types).Outcomes]).Cells());
        counts.SeqevalTp.Should().Equal(57, 40);
        pooled.Schemes![NerSchemes.Exact].PerType["STATUS"].Correct.Should().Be(30 - 1 + 10 + 3, "schemes are rebuilt from the summed outcomes");
        pooled.EntityClipping.Should().Be(new EntityClippingSection(10, 2));
        pooled.Seqeval!.Words.Should().BeNull();
        pooled.Accuracy.Should().BeNull();
        var variances = pooled.Release!.DifferentialPrivacy!.NoiseVariance;
        (variances.EntityCounts, variances.SeqevalCounts, variances.OutcomeCounts).Should().Be((150.0, 75.0, 6.0));
    }

    [Test]
    public void Pool_NerSitesWithNoisyWordCounts_WordsAddAccuracyWithInterval()
    {
        var a = NerSite(new NerOutcomes([[40, 2], [-1, 30]], [6, 0], [1, 2], [5, 3], [7, -4]), tp: [38, 29], fp: [9, 3], fn: [8, 4], clipped: 3, variance: 100, words: (20_000, 19_000));
        var b = NerSite(new NerOutcomes([[20, 0], [3, 10]], [2, 1], [0, 0], [2, 1], [3, 2]), tp: [19, 11], fp: [3, 2], fn: [4, 2], clipped: -1, variance: 50, words: (10_000, 9_600));

        var pooled = PooledResultDocument.Pool(TaskTypes.TokenClassification, Types, Sites(a, b), []).Pooled!;

        pooled.Seqeval!.Words.Should().Be(30_000);
        pooled.Seqeval.WordsCorrect.Should().Be(28_600);
        pooled.Seqeval.Accuracy.Should().BeApproximately(28_600.0 / 30_000, 1e-12);
        pooled.Seqeval.AccuracyInterval!.CiLow.Should().BeLessThan(pooled.Seqeval.Accuracy!.Value);
        pooled.Release!.DifferentialPrivacy!.NoiseVariance.WordCounts.Should().Be(80_000);
    }

    [Test]
    public void Read_NerSchemesContradictingTheBoundaryMatrix_RefusedNamingTheIdentity()
    {
        var site = NerSite(new NerOutcomes([[40, 2], [-1, 30]], [6, 0], [1, 2], [5, 3], [7, -4]), tp: [38, 29], fp: [9, 3], fn: [8, 4], clipped: 3, variance: 100);
        var tampered = site with { ConfusionMatrix = new ConfusionMatrixDto(Types, [[41, 2], [-1, 30]]) };

        var act = () => PrivateNerResults.Read(tampered, Types);

        act.Should().Throw<InvalidDataException>().WithMessage("*BIOMARKER*diagonal*");
    }

    private static Dictionary<string, ResultDocument> Sites(ResultDocument a, ResultDocument b) => new() { ["a"] = a, ["b"] = b };

    private static ResultDocument MultiLabelSite(NoisyMultiLabelCounts counts, double variance)
    {
        var release = new ReleaseSection { DifferentialPrivacy = Privacy(new NoiseVariances(variance, null, null, Cooccurrence: variance / 4)) };
        var summary = new InputSummary { DocumentsRead = 100, DocumentsEvaluated = counts.ExactMatches + counts.OtherDocuments };
        return PrivateMultiLabelResults.Build(TaskTypes.MultiLabelClassification, Labels, 0.5, counts, summary, release);
    }

    private static ResultDocument NerSite(NerOutcomes outcomes, long[] tp, long[] fp, long[] fn, long clipped, double variance, (long Words, long Correct)? words = null)
    {
        var release = new ReleaseSection { DifferentialPrivacy = Privacy(new NoiseVariances(3, null, null, variance, variance / 2, WordCounts: words is null ? null : 40_000)) };
        var summary = new InputSummary { DocumentsRead = 80, DocumentsEvaluated = 78 };
        return PrivateNerResults.Build(TaskTypes.TokenClassification, Types, new NoisyNerCounts(outcomes, tp, fp, fn) { Words = words }, summary, new EntityClippingSection(10, clipped), release);
    }

    private static DifferentialPrivacyRelease Privacy(NoiseVariances variances) =>
        new(DifferentialPrivacyRelease.DiscreteGaussian, DifferentialPrivacyRelease.ReplaceOne, 0.0175, 1, 1e-6, variances);
}
