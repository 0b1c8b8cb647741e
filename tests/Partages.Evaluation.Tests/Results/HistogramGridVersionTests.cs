using System.Text.Json.Nodes;
using Partages.Evaluation.Tests.Metrics;

namespace Partages.Evaluation.Tests.Results;

/// <summary>
/// Results written before the logit grid carry their histograms on the 0.001 grid, without a grid name: they are still
/// read and pooled among themselves, and never added to histograms on the logit grid (issue 21).
/// </summary>
public sealed class HistogramGridVersionTests
{
    private const string Task = "single_label_classification";
    private static readonly string[] Labels = ["neg", "pos"];

    [Test]
    public void DeserializeSite_DocumentOlderThanTheGridName_ReadsItsHistogramsOnTheFineGrid()
    {
        var (positives, negatives) = RawScores.GridSample(new Random(4), 40, 60);
        var json = OldJson(positives, negatives);
        JsonNode.Parse(json)!["score_histograms"]!.AsObject().ContainsKey("grid").Should().BeFalse("older documents name no grid");

        var document = ResultJson.DeserializeSite(json);
        var histograms = document.ToHistograms()!;

        histograms.Grid.Should().BeSameAs(HistogramGrid.Linear);
        histograms[1].HasSameCounts(RawScores.Histogram(positives, negatives, HistogramGrid.Linear)).Should().BeTrue();
        RocFromHistograms.Auroc(histograms[1]).Should().Be(RawScores.Auroc(positives, negatives), "scores on the 0.001 grid lose nothing on it");
    }

    [Test]
    public void Pool_OlderSitesOnly_PoolsThemOnTheFineGrid()
    {
        var random = new Random(8);
        var (p1, n1) = RawScores.GridSample(random, 30, 50);
        var (p2, n2) = RawScores.GridSample(random, 20, 70);
        var sites = new Dictionary<string, ResultDocument>
        {
            ["a"] = ResultJson.DeserializeSite(OldJson(p1, n1)),
            ["b"] = ResultJson.DeserializeSite(OldJson(p2, n2)),
        };

        var pooled = PooledResultDocument.Pool(Task, Labels, sites, []);

        pooled.OmittedSections.Should().BeNullOrEmpty();
        pooled.Pooled!.ScoreHistograms!.Grid.Should().Be("fine");
        pooled.Pooled.ToHistograms()![1].HasSameCounts(RawScores.Histogram([.. p1, .. p2], [.. n1, .. n2], HistogramGrid.Linear)).Should().BeTrue();
        pooled.Pooled.Auroc!["pos"].Value.Should().Be(RawScores.Auroc([.. p1, .. p2], [.. n1, .. n2]));
    }

    [Test]
    public void Pool_OlderAndNewerGrids_OmitsThePooledHistogramsNamingEachSitesGrid()
    {
        var random = new Random(6);
        var (p1, n1) = RawScores.GridSample(random, 30, 50);
        var (p2, n2) = RawScores.GridSample(random, 20, 70);
        var sites = new Dictionary<string, ResultDocument>
        {
            ["old"] = ResultJson.DeserializeSite(OldJson(p1, n1)),
            ["new"] = ResultJson.DeserializeSite(ResultJson.Serialize(Build(p2, n2, HistogramGrid.Exact))),
        };

        var pooled = PooledResultDocument.Pool(Task, Labels, sites, []);

        pooled.Pooled!.ScoreHistograms.Should().BeNull("bins of different grids do not line up");
        pooled.Pooled.Auroc.Should().BeNull();
        pooled.Pooled.Calibration.Should().NotBeNull("calibration does not depend on the histogram grid");
        pooled.OmittedSections.Should().ContainSingle().Which.Should().Be(new OmittedSection(
            "score_histograms",
            "sites released score histograms on different grids (logit_v1: new; fine: old), whose bins do not line up; re-run the older sites to pool them"));
        pooled.Heterogeneity!.Auroc.Should().NotBeNull("each site's own AUROC stays valid on its own grid");
        pooled.Heterogeneity.Auroc!["pos"].Estimates.Select(e => e.Site).Should().BeEquivalentTo(["old", "new"]);
    }

    [Test]
    public void ToHistograms_UnknownGridName_IsRefusedNamingTheKnownOnes()
    {
        var document = Build([0.9], [0.1], HistogramGrid.Exact);
        var unknown = document with { ScoreHistograms = document.ScoreHistograms! with { Grid = "logit_v9" } };

        unknown.Invoking(d => d.ToHistograms()).Should().Throw<InvalidDataException>().WithMessage("*'logit_v9'*logit_v1, fine*");
    }

    /// <summary>A result as versions before the logit grid wrote it: histograms on the 0.001 grid, no grid name.</summary>
    private static string OldJson(List<double> positives, List<double> negatives)
    {
        var node = JsonNode.Parse(ResultJson.Serialize(Build(positives, negatives, HistogramGrid.Linear)))!.AsObject();
        node["score_histograms"]!.AsObject().Remove("grid");
        return node.ToJsonString();
    }

    /// <summary>A two-class result whose P(pos) are the given scores, P(neg) their complement.</summary>
    private static ResultDocument Build(IReadOnlyList<double> positives, IReadOnlyList<double> negatives, HistogramGrid grid)
    {
        var counts = new ClassificationCounts(Labels);
        var histograms = new OneVsRestHistograms(Labels, grid);
        var calibration = new CalibrationStatistics();
        foreach (var (gold, pos) in positives.Select(p => (1, p)).Concat(negatives.Select(n => (0, n))))
        {
            double[] probabilities = [1 - pos, pos];
            counts.Add(gold, pos > 0.5 ? 1 : 0);
            histograms.Add(gold, probabilities);
            calibration.Add(gold, probabilities);
        }

        return ResultDocument.FromStatistics(Task, counts, histograms, calibration, new InputSummary
        {
            DocumentsRead = positives.Count + negatives.Count,
            DocumentsEvaluated = positives.Count + negatives.Count,
        });
    }
}
