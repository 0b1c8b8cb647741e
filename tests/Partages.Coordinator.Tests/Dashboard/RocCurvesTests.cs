using System.Text.Json.Nodes;
using Partages.Coordinator.Dashboard.Results;
using Partages.Evaluation.Metrics;

namespace Partages.Coordinator.Tests.Dashboard;

/// <summary>The dashboard's pooled ROC curves read the histograms' grid from the stored JSON: the logit grid of exact releases and the older 0.001 grid (issue 21).</summary>
public sealed class RocCurvesTests
{
    private static readonly string[] Labels = ["neg", "pos"];

    [TestCase(HistogramGrid.LogitName)]
    [TestCase(HistogramGrid.LinearName)]
    public void From_PooledHistogramsOnEitherExactGrid_DrawsCurvesWhoseAreaIsTheAuroc(string gridName)
    {
        var pooledJson = PooledJson(HistogramGrid.ByName(gridName)!, removeGridName: false);

        var analysis = ResultsAnalysis.From(pooledJson)!;

        var stored = ResultJson.DeserializePooled(pooledJson).Pooled!;
        analysis.Roc.Should().HaveCount(2);
        analysis.Roc!.Single(r => r.Label == "pos").Summary.Auroc.Should().Be(stored.Auroc!["pos"].Value);
        analysis.Roc!.Single(r => r.Label == "pos").Summary.Curve.Should().NotBeEmpty();
    }

    [Test]
    public void From_PooledHistogramsOlderThanTheGridName_ReadsThemOnTheFineGrid()
    {
        var analysis = ResultsAnalysis.From(PooledJson(HistogramGrid.Linear, removeGridName: true))!;

        analysis.Roc.Should().HaveCount(2);
    }

    [Test]
    public void From_GridStepsNotTheGrids_DrawsNoCurve()
    {
        var node = JsonNode.Parse(PooledJson(HistogramGrid.Logit, removeGridName: false))!;
        node["pooled"]!["score_histograms"]!["grid_steps"] = 1000;

        ResultsAnalysis.From(node.ToJsonString())!.Roc.Should().BeNull("2030 counts per class are not the 0.001 grid's 1001");
    }

    private static string PooledJson(HistogramGrid grid, bool removeGridName)
    {
        var sites = new Dictionary<string, ResultDocument> { ["a"] = Site(grid, 1), ["b"] = Site(grid, 2) };
        var node = JsonNode.Parse(ResultJson.Serialize(PooledResultDocument.Pool("single_label_classification", Labels, sites, [])))!;
        if (removeGridName)
        {
            node["pooled"]!["score_histograms"]!.AsObject().Remove("grid");
        }

        return node.ToJsonString();
    }

    private static ResultDocument Site(HistogramGrid grid, int seed)
    {
        var random = new Random(seed);
        var counts = new ClassificationCounts(Labels);
        var histograms = new OneVsRestHistograms(Labels, grid);
        for (var i = 0; i < 50; i++)
        {
            var gold = random.Next(2);
            var pos = Math.Clamp((gold * 0.3) + (random.NextDouble() * 0.7), 0, 1);
            counts.Add(gold, pos > 0.5 ? 1 : 0);
            histograms.Add(gold, [1 - pos, pos]);
        }

        return ResultDocument.FromStatistics("single_label_classification", counts, histograms, null, new InputSummary { DocumentsRead = 50, DocumentsEvaluated = 50 });
    }
}
