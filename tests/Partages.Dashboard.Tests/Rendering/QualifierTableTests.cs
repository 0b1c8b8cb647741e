using Partages.Coordinator.Dashboard.Results;
using static Partages.Dashboard.Tests.Infrastructure.NerSamples;

// Outside the Partages.Dashboard.Tests namespace on purpose: no federation or browser is needed (see EdsNlpTableTests).
namespace Partages.Dashboard.Rendering.Tests;

/// <summary>
/// span_attribute and normalisation on the evaluation page: a site released exactly (figures alone, AP from its
/// histograms) and one under differential privacy (each figure with its interval and ε, no AP).
/// </summary>
public sealed class QualifierTableTests
{
    private static readonly NerQualifierSchema Schema = new([new NerAttribute("Negation", ["false", "true"], "false")], "ICD-O-3", ["8140/3", "8500/3"]);

    [Test]
    public void RenderPage_QualifiersReleasedExactlyAndUnderDp_EachRowWithItsFiguresIntervalsAndPrivacy()
    {
        // Exact site: two matched spans negated in gold, one found (probability bin 19); one coded BIOMARKER, its code right.
        var counts = new NerQualifierCounts(Types, Schema);
        counts.Tp[0] = 1;
        counts.Fn[0] = 1;
        counts.TpBins[0][19] = 1;
        counts.CodesCorrect[0] = 1;
        var exact = Site(biomarker: Outcomes(correct: 4), status: Outcomes(correct: 2)) with
        {
            SpanQualifiers = QualifierResults.Section(counts, [QualifierMetrics.SpanAttribute, QualifierMetrics.Normalisation]),
            Release = new ReleaseSection(),
        };
        var variances = new NoiseVariances(4, null, null, SpanAttributeCounts: 100, NormalisationCounts: 100);
        var noisy = new NoisyQualifierCounts(Schema, new Dictionary<string, long[]>
        {
            [QualifierMetrics.SpanAttribute] = [800, 90, 60],
            [QualifierMetrics.Normalisation] = [700, 40, 0, 3, 0, 0],
        });
        var dp = exact with
        {
            SpanQualifiers = PrivateQualifiers.Section(Types, noisy, variances),
            Release = ReleasedResults.DifferentialPrivacy(variances),
        };
        var pooled = ReleasedResults.Pooled(TaskTypes.TokenClassification, null, ("dp-site", dp), ("exact-site", exact));

        var rows = EntityAnalysis.From(pooled, Types).Qualifiers;
        var page = RenderPage(pooled);

        rows.Select(r => r.Site).Distinct().Should().Equal("dp-site", "exact-site");
        page.Should().Contain("Attributes, codes and fragments").And.Contain("qualifiers-table");
        page.Should().MatchRegex(@"data-site=""exact-site"" data-metric=""span_attribute"" data-scope=""Negation=true""[^>]*><th scope=""row"">exact-site</th><td>span_attribute</td><td>Negation=true</td><td>P 1\.000, R 0\.500, F1 0\.667, AP 0\.500</td>",
            "1 of 2 negated spans found, at probability 0.95 or more");
        page.Should().MatchRegex(@"<th scope=""row"">dp-site</th><td>span_attribute</td><td>Negation=true</td><td>P 0\.\d{3} \[0\.\d{3}, [01]\.\d{3}\], R 0\.\d{3} \[[^<]*AP not released under DP</td><td>DP ε 1",
            "a noisy figure carries its interval and the privacy it left under");
        page.Should().MatchRegex(@"<th scope=""row"">exact-site</th><td>normalisation \(ICD-O-3\)</td><td>overall</td><td>accuracy 1\.000 of 1</td>");
        page.Should().MatchRegex(@"<th scope=""row"">dp-site</th><td>normalisation \(ICD-O-3\)</td><td>MUTATION</td><td>accuracy not estimable of 0</td>",
            "no coded MUTATION span: the ratio has no denominator");
    }

    [Test]
    public void RenderPage_NoQualifierMetricsAsked_NoTable()
    {
        var pooled = Pool(Site(biomarker: Outcomes(correct: 4), status: Outcomes(correct: 1)));

        EntityAnalysis.From(pooled, Types).Qualifiers.Should().BeEmpty();
        RenderPage(pooled).Should().NotContain("Attributes, codes and fragments");
    }
}
