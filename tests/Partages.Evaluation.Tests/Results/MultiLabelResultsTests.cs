namespace Partages.Evaluation.Tests.Results;

public sealed class MultiLabelResultsTests
{
    private static readonly string[] Labels = ["BLSE", "SARM", "EPC"];
    private const string Task = TaskTypes.MultiLabelClassification;

    [Test]
    public void Build_ThreeHandMadeDocuments_CountsCooccurrenceAndMetricsWorkedOutByHand()
    {
        var statistics = new MultiLabelStatistics(Labels);
        statistics.Add([true, false, false], [true, false, false]);  // exact
        statistics.Add([true, true, false], [true, false, true]);    // BLSE tp, SARM fn, EPC fp
        statistics.Add([false, false, false], [false, true, false]); // SARM fp

        var document = MultiLabelResults.Build(Task, 0.5, statistics, new InputSummary { DocumentsRead = 3, DocumentsEvaluated = 3 });

        document.NDocuments.Should().Be(3);
        document.PerClass["BLSE"].Should().Be(new ClassMetrics(1, 1, 1, 2, 2, 0, 0, 1));
        document.PerClass["SARM"].Should().Be(new ClassMetrics(0, 0, 0, 1, 0, 1, 1, 1));
        document.PerClass["EPC"].Should().Be(new ClassMetrics(0, 0, 0, 0, 0, 1, 0, 2));
        // Micro: tp 2, fp 2, fn 1 → P 0.5, R 2/3.
        document.Micro.Precision.Should().BeApproximately(0.5, 1e-12);
        document.Micro.Recall.Should().BeApproximately(2.0 / 3, 1e-12);
        document.Macro.F1.Should().BeApproximately(1.0 / 3, 1e-12);
        document.Accuracy.Should().BeApproximately(1.0 / 3, 1e-12, "one document of three has exactly its gold set");
        document.MultiLabel.Should().Be(new MultiLabelSection(0.5, 1));
        // Co-occurrence: gold BLSE with predicted BLSE (twice) and EPC; gold SARM with predicted BLSE and EPC.
        document.ConfusionMatrix.Matrix.Should().BeEquivalentTo(new long[][] { [2, 0, 1], [1, 0, 1], [0, 0, 0] }, o => o.WithStrictOrdering());
    }

    [Test]
    public void Pool_RandomSplitsAcrossSites_EqualsSingleSiteOnTheUnion()
    {
        var random = new Random(4242);
        for (var trial = 0; trial < 100; trial++)
        {
            var union = new MultiLabelStatistics(Labels);
            var sites = new SortedDictionary<string, MultiLabelStatistics>(StringComparer.Ordinal);
            for (var d = 0; d < 1 + random.Next(200); d++)
            {
                bool[] gold = [.. Labels.Select(_ => random.Next(3) == 0)];
                bool[] predicted = [.. Labels.Select(_ => random.Next(3) == 0)];
                union.Add(gold, predicted);
                var name = $"site-{random.Next(1, 5)}";
                if (!sites.TryGetValue(name, out var site))
                {
                    sites[name] = site = new MultiLabelStatistics(Labels);
                }

                site.Add(gold, predicted);
            }

            var siteResults = sites.ToDictionary(
                s => s.Key,
                s => ResultJson.DeserializeSite(ResultJson.Serialize(MultiLabelResults.Build(Task, 0.5, s.Value, new InputSummary { DocumentsRead = s.Value.DocumentCount, DocumentsEvaluated = s.Value.DocumentCount }))));
            var pooled = PooledResultDocument.Pool(Task, Labels, siteResults, []).Pooled!;
            var single = MultiLabelResults.Build(Task, 0.5, union, new InputSummary { DocumentsRead = union.DocumentCount, DocumentsEvaluated = union.DocumentCount });

            pooled.NDocuments.Should().Be(single.NDocuments);
            pooled.PerClass.Should().BeEquivalentTo(single.PerClass);
            pooled.Micro.Should().Be(single.Micro);
            pooled.Macro.Should().Be(single.Macro);
            pooled.Weighted.Should().Be(single.Weighted);
            pooled.Accuracy.Should().Be(single.Accuracy);
            pooled.MultiLabel.Should().Be(single.MultiLabel);
            pooled.ConfusionMatrix.Matrix.Should().BeEquivalentTo(single.ConfusionMatrix.Matrix, o => o.WithStrictOrdering());
            pooled.InputSummary.Should().BeEquivalentTo(single.InputSummary);
        }
    }

    [Test]
    public void Pool_TwoSites_HeterogeneityOfEachLabelsF1FromItsPerClassCounts()
    {
        var a = Statistics(tp: 30, fp: 5, fn: 10, tn: 55);
        var b = Statistics(tp: 20, fp: 10, fn: 5, tn: 65);
        var sites = new Dictionary<string, ResultDocument>
        {
            ["site-a"] = MultiLabelResults.Build(Task, 0.5, a, new InputSummary()),
            ["site-b"] = MultiLabelResults.Build(Task, 0.5, b, new InputSummary()),
        };

        var pooled = PooledResultDocument.Pool(Task, ["BLSE"], sites, []);

        var estimates = pooled.Heterogeneity!.F1["BLSE"].Estimates;
        estimates.Select(e => e.Site).Should().Equal("site-a", "site-b");
        estimates[0].Estimate.Should().BeApproximately(SiteEstimate.ForF1("site-a", 30, 5, 10)!.Estimate, 1e-12);
        estimates[1].Variance.Should().BeApproximately(SiteEstimate.ForF1("site-b", 20, 10, 5)!.Variance, 1e-15);
        pooled.Heterogeneity.F1["BLSE"].MetaAnalysis.Should().NotBeNull();
    }

    [Test]
    public void Pool_SitesWithDifferentThresholds_Refused()
    {
        var sites = new Dictionary<string, ResultDocument>
        {
            ["site-a"] = MultiLabelResults.Build(Task, 0.5, Statistics(1, 0, 0, 1), new InputSummary()),
            ["site-b"] = MultiLabelResults.Build(Task, 0.7, Statistics(1, 0, 0, 1), new InputSummary()),
        };

        var act = () => PooledResultDocument.Pool(Task, ["BLSE"], sites, []);

        act.Should().Throw<InvalidDataException>().WithMessage("*thresholds*");
    }

    [Test]
    public void Read_DocumentWithoutMultiLabelSection_Refused()
    {
        var document = MultiLabelResults.Build(Task, 0.5, Statistics(1, 0, 0, 1), new InputSummary()) with { MultiLabel = null };

        var act = () => MultiLabelResults.Read(document, ["BLSE"]);

        act.Should().Throw<InvalidDataException>().WithMessage("*multi_label*");
    }

    [Test]
    public void Serialize_MultiLabelResult_SnakeCaseSectionRoundTrips()
    {
        var document = MultiLabelResults.Build(Task, 0.5, Statistics(3, 1, 2, 4), new InputSummary());

        var json = ResultJson.Serialize(document);

        json.Should().Contain("\"multi_label\": {").And.Contain("\"exact_matches\": 7").And.Contain("\"threshold\": 0.5");
        ResultJson.DeserializeSite(json).MultiLabel.Should().Be(document.MultiLabel);
    }

    /// <summary>One label's counts; exact matches are the documents without an error (one label, so tp + tn).</summary>
    [Test]
    public void Add_GoldAndPredictedFlags_CountsEachLabelOneVsRest()
    {
        var counts = new MultiLabelStatistics(["a", "b"]);

        counts.Add([true, false], [true, true]);
        counts.Add([false, true], [false, false]);

        counts[0].Should().Be((1L, 0L, 0L, 1L));
        counts[1].Should().Be((0L, 1L, 1L, 0L));
        counts.DocumentCount.Should().Be(2);
        counts.ExactMatches.Should().Be(0);
    }

    private static MultiLabelStatistics Statistics(long tp, long fp, long fn, long tn)
    {
        var statistics = new MultiLabelStatistics(["BLSE"]);
        foreach (var (gold, predicted, count) in new[] { (true, true, tp), (false, true, fp), (true, false, fn), (false, false, tn) })
        {
            for (var i = 0; i < count; i++)
            {
                statistics.Add([gold], [predicted]);
            }
        }

        return statistics;
    }
}
