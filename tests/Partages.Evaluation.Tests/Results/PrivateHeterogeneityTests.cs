namespace Partages.Evaluation.Tests.Results;

public sealed class PrivateHeterogeneityTests
{
    private static readonly string[] s_labels = ["R", "S"];

    [Test]
    public void Pool_SitesUnderDifferentialPrivacy_MetaAnalysesTheReleasedF1WithVariancesFromTheirIntervals()
    {
        var sites = new Dictionary<string, ResultDocument>
        {
            ["site-a"] = Site([[400, 30], [40, 500]]),
            ["site-b"] = Site([[300, 60], [20, 620]]),
        };

        var pooled = PooledResultDocument.Pool("single_label_classification", s_labels, sites, []);

        var f1 = pooled.Heterogeneity!.F1["R"];
        f1.Estimates.Select(e => e.Site).Should().Equal("site-a", "site-b");
        foreach (var estimate in f1.Estimates)
        {
            var site = sites[estimate.Site];
            var interval = site.Intervals!.PerClass["R"].F1!;
            estimate.Estimate.Should().Be(site.PerClass["R"].F1!.Value);
            estimate.Variance.Should().BeApproximately(Math.Pow((interval.CiHigh - interval.CiLow) / 3.92, 2), 1e-12, "the released interval includes the noise");
        }

        f1.MetaAnalysis.Should().NotBeNull();
        pooled.OmittedSections?.Select(o => o.Section).Should().NotContain("heterogeneity");
    }

    private static ResultDocument Site(long[][] matrix)
    {
        var privacy = new DifferentialPrivacyRelease("discrete_gaussian", "replace_one", 0.01, 1, 1e-6, new NoiseVariances(25, null, null));
        var n = matrix.Sum(r => r.Sum());
        return PrivateResults.Build(
            "single_label_classification",
            s_labels,
            matrix,
            histograms: null,
            new InputSummary { DocumentsRead = n, DocumentsEvaluated = n },
            new ReleaseSection { DifferentialPrivacy = privacy });
    }
}
