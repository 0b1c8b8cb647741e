using Partages.Coordinator.Dashboard;
using Partages.Coordinator.Dashboard.Results;
using Partages.Evaluation.Quality;
using Partages.Evaluation.Results;
using Partages.Evaluation.Tasks.DatasetQc;

namespace Partages.Coordinator.Tests.Dashboard;

public sealed class QcComparisonSectionTests
{
    private static readonly string[] Labels = ["BLSE", "SARM"];

    [Test]
    public void TryRender_PooledDatasetQc_ShowsEverySiteSideBySideWithTheirDivergenceFromThePool()
    {
        var sites = new Dictionary<string, ResultDocument>
        {
            ["chu-valmont"] = Site(["BLSE positive chez ce patient", "SARM isolé"], ["BLSE", "SARM"]),
            ["hopital-kerbrac"] = Site(["BLSE", "SARM court", "texte beaucoup plus long que les autres comptes rendus de ce site"], ["BLSE", "BLSE", "BLSE"]),
        };
        var pooled = PooledResultDocument.Pool(DatasetQcTask.TaskName, Labels, sites, []);
        var html = new Html();

        var rendered = QcComparisonSection.TryRender(html, ResultJson.Serialize(pooled));

        rendered.Should().BeTrue();
        var page = html.ToString();
        page.Should().Contain("chu-valmont").And.Contain("hopital-kerbrac").And.Contain("pooled");
        page.Should().Contain("id=\"qc-distribution-0\"").And.Contain("id=\"qc-findings\"").And.Contain("id=\"qc-divergence\"");
        page.Should().Contain("Jensen").And.Contain("<svg class=\"qc-bar\"");
        page.Should().NotContain("style=", "bars are SVG attributes, within the content security policy");
        page.Should().Contain("Near-duplicate counts stay in each hospital");
    }

    [Test]
    public void TryRender_ClassificationResult_LeavesItToTheMetricsSection()
    {
        var counts = new Partages.Evaluation.Metrics.ClassificationCounts(Labels);
        var pooled = PooledResultDocument.Pool("single_label_classification", Labels, new Dictionary<string, ResultDocument> { ["a"] = ResultDocument.FromCounts("single_label_classification", counts, new InputSummary()) }, []);

        QcComparisonSection.TryRender(new Html(), ResultJson.Serialize(pooled)).Should().BeFalse();
    }

    private static ResultDocument Site(string[] texts, string[] labels)
    {
        var counter = new DatasetQcCounter(DatasetQcAnnotation.Labels, Labels, [], null);
        var profile = new DatasetProfile { Counter = counter };
        foreach (var (text, label) in texts.Zip(labels))
        {
            profile.Add(new QcDocument(text, [label], []));
        }

        return DatasetQcResults.Build(DatasetQcTask.TaskName, counter.Documents, counter.ToSection(), new ReleaseSection());
    }
}
