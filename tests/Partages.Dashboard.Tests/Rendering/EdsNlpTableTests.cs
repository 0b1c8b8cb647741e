using Partages.Coordinator.Dashboard.Results;
using static Partages.Dashboard.Tests.Infrastructure.NerSamples;

// Outside the Partages.Dashboard.Tests namespace on purpose: FederationSetUp starts a coordinator, three nodes and a
// browser for every test under that namespace, and these renderer tests need none of it.
namespace Partages.Dashboard.Rendering.Tests;

/// <summary>EDS-NLP's metrics on the evaluation page: exact figures alone, noisy ones with their interval and ε.</summary>
public sealed class EdsNlpTableTests
{
    [Test]
    public void RenderPage_EdsNlpReleasedUnderDp_EachFigureWithItsIntervalAndEpsilon()
    {
        var site = Site(biomarker: Outcomes(correct: 40, missed: 3), status: Outcomes(correct: 10, spurious: 2));
        var variances = new NoiseVariances(4, null, null, EdsNlpExactCounts: 100, EdsNlpTokenCounts: 1e8);
        var cells = new NoisyEdsNlpCounts(0.5, 500, new Dictionary<string, long[]>
        {
            [EdsNlpMetrics.Exact] = [900, 80, 120, 400, 60, 50, 0, 3, -2],
            [EdsNlpMetrics.Token] = [2000, 300, 250, 900, 100, 120, 4, -1, 0],
        });
        var dp = site with
        {
            EdsNlp = PrivateEdsNlp.Section(Types, cells, variances),
            Release = ReleasedResults.DifferentialPrivacy(variances),
        };
        var pooled = ReleasedResults.Pooled(TaskTypes.TokenClassification, null, ("site-0", dp));

        var rows = EntityAnalysis.From(pooled, Types).EdsNlp;
        var page = RenderPage(pooled);

        rows.Should().HaveCount(2);
        rows[0].Should().Match<Partages.Evaluation.Results.EdsNlpRow>(r => r.Site == "site-0" && r.Metric == EdsNlpMetrics.Exact && r.Privacy.StartsWith("DP ε 1", StringComparison.Ordinal));
        rows[0].F1.Should().MatchRegex(@"^0\.\d{3} \[0\.\d{3}, [01]\.\d{3}\]$", "a noisy figure carries its interval");
        rows[1].F1.Should().Be("not estimable", "ner_token's denominator is drowned in its noise");
        page.Should().Contain("EDS-NLP metrics (micro)").And.Contain(rows[0].F1).And.Contain("data-metric=\"ner_token\"");
    }

    [Test]
    public void From_NoEdsNlpMetricsAsked_NoRows()
    {
        var pooled = Pool(Site(biomarker: Outcomes(correct: 4), status: Outcomes(correct: 1)));

        EntityAnalysis.From(pooled, Types).EdsNlp.Should().BeEmpty();
        RenderPage(pooled).Should().NotContain("EDS-NLP");
    }
}
