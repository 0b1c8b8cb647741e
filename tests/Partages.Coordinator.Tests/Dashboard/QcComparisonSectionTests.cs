using Partages.Coordinator.Dashboard;
using Partages.Coordinator.Dashboard.Results;
using Partages.Evaluation.Quality;
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
    public void TryRender_DatasetQcWithABundle_ShowsPieceLengthsAndTheTokenizerRows()
    {
        var sites = new Dictionary<string, ResultDocument>
        {
            ["chu-valmont"] = Site(["BLSE positive chez ce patient", "SARM isolé"], ["BLSE", "SARM"], pieces: true),
            ["hopital-kerbrac"] = Site(["BLSE ?x", "SARM court et encore plus long que la fenêtre"], ["BLSE", "BLSE"], pieces: true),
        };
        var pooled = PooledResultDocument.Pool(DatasetQcTask.TaskName, Labels, sites, []);
        var html = new Html();

        QcComparisonSection.TryRender(html, ResultJson.Serialize(pooled)).Should().BeTrue();

        var page = html.ToString();
        page.Should().Contain("Length in model pieces (share of reports)").And.Contain("id=\"qc-pieces\"");
        page.Should().Contain("Reports longer than the window (share)").And.Contain("Unknown-piece rate");
        page.Should().Contain("8.33 %", "the pool's unknown-piece rate: 1 unknown of 12 pieces read (4 + 2 + 2 + 4, each report cut at the window of 4)");
    }

    [Test]
    public void TryRender_ClassificationResult_LeavesItToTheMetricsSection()
    {
        var counts = new Partages.Evaluation.Metrics.ClassificationCounts(Labels);
        var pooled = PooledResultDocument.Pool("single_label_classification", Labels, new Dictionary<string, ResultDocument> { ["a"] = ResultDocument.FromCounts("single_label_classification", counts, new InputSummary()) }, []);

        QcComparisonSection.TryRender(new Html(), ResultJson.Serialize(pooled)).Should().BeFalse();
    }

    private static ResultDocument Site(string[] texts, string[] labels, bool pieces = false)
    {
        // A stand-in tokenizer for the piece rows: a piece per word, a word starting with '?' unknown, a window of 4.
        static PieceCount Tokenize(string text)
        {
            var words = text.Split(' ');
            return new PieceCount(words.Length, words.Take(4).Count(w => w.StartsWith('?')));
        }

        var counter = new DatasetQcCounter(DatasetQcAnnotation.Labels, Labels, [], null, pieces ? (4, "[UNK]") : null);
        var profile = new DatasetProfile { Counter = counter, Pieces = pieces ? new PieceProfile(Tokenize, 4, "[UNK]") : null };
        foreach (var (text, label) in texts.Zip(labels))
        {
            profile.Add(new QcDocument(text, [label], []));
        }

        return DatasetQcResults.Build(DatasetQcTask.TaskName, counter.Documents, counter.ToSection(), new ReleaseSection());
    }
}
