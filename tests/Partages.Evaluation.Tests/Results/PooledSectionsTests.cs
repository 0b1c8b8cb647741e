using Partages.Evaluation.Tests.Metrics;

namespace Partages.Evaluation.Tests.Results;

/// <summary>
/// Pooling the optional sections, always through the JSON a node releases and the coordinator stores: pooled
/// histograms and calibration are the union's, pooled AUROC is the union's, heterogeneity is the meta-analysis of
/// the sites' own estimates.
/// </summary>
public sealed class PooledSectionsTests
{
    private const string Task = "single_label_classification";
    private static readonly string[] Labels = ["sensible", "BLSE", "SARM"];

    private sealed record Document(int Gold, double[] Probabilities, int Site)
    {
        /// <summary>The engine's prediction: the first class of highest probability.</summary>
        public int Predicted => Array.IndexOf(Probabilities, Probabilities.Max());
    }

    [Test]
    public void Pool_RandomSplitsThroughJson_PooledSectionsEqualTheUnions()
    {
        var random = new Random(20261129);
        for (var trial = 0; trial < 150; trial++)
        {
            var documents = RandomDocuments(random, random.Next(0, 160), sites: random.Next(1, 6));
            var siteResults = documents.GroupBy(d => d.Site).ToDictionary(
                g => $"site-{g.Key}",
                // What the node releases and the coordinator reads back.
                g => ResultJson.DeserializeSite(ResultJson.Serialize(Build(g.ToList()))));

            var pooled = ResultJson.DeserializePooled(ResultJson.Serialize(PooledResultDocument.Pool(Task, Labels, siteResults, []))).Pooled;
            var union = Build(documents);

            if (documents.Count == 0)
            {
                pooled.Should().BeNull();
                continue;
            }

            pooled!.ConfusionMatrix.Matrix.Should().BeEquivalentTo(union.ConfusionMatrix.Matrix, o => o.WithStrictOrdering());
            pooled.PerClass.Should().BeEquivalentTo(union.PerClass);
            pooled.Accuracy.Should().Be(union.Accuracy);
            pooled.Macro.Should().Be(union.Macro);
            pooled.Intervals.Should().BeEquivalentTo(union.Intervals);
            pooled.ScoreHistograms.Should().BeEquivalentTo(union.ScoreHistograms, o => o.WithStrictOrdering());
            pooled.Calibration.Should().BeEquivalentTo(union.Calibration);
            pooled.Auprc.Should().BeEquivalentTo(union.Auprc);
            for (var c = 0; c < Labels.Length; c++)
            {
                var label = Labels[c];
                var positives = documents.Where(d => d.Gold == c).Select(d => d.Probabilities[c]).ToList();
                var negatives = documents.Where(d => d.Gold != c).Select(d => d.Probabilities[c]).ToList();
                var expected = positives.Count == 0 || negatives.Count == 0 ? (double?)null : RawScores.Auroc(positives, negatives);
                if (expected is null)
                {
                    pooled.Auroc![label].Value.Should().BeNull();
                    continue;
                }

                // The scores lie on the grid, so the pooled histogram AUROC is the raw union's Mann–Whitney.
                pooled.Auroc![label].Value.Should().BeApproximately(expected.Value, 1e-9);
                pooled.Auroc[label].Value.Should().BeApproximately(union.Auroc![label].Value!.Value, 1e-9);
                if (positives.Count >= 2 && negatives.Count >= 2)
                {
                    pooled.Auroc[label].CiLow.Should().BeApproximately(union.Auroc[label].CiLow!.Value, 1e-9);
                    pooled.Auroc[label].CiHigh.Should().BeApproximately(union.Auroc[label].CiHigh!.Value, 1e-9);
                }
            }

            pooled.Calibration!.Brier.Should().BeApproximately(documents.Average(d => Brier(d)), 1e-9);
        }
    }

    [Test]
    public void Pool_SameSitesInAnotherOrder_GivesByteIdenticalJson()
    {
        var documents = RandomDocuments(new Random(7), 120, sites: 4);
        var sites = documents.GroupBy(d => d.Site).Select(g => ($"site-{g.Key}", Build(g.ToList()))).ToList();
        var forward = sites.ToDictionary(s => s.Item1, s => s.Item2);
        var backward = new Dictionary<string, ResultDocument>();
        foreach (var (name, result) in Enumerable.Reverse(sites))
        {
            backward[name] = result;
        }

        var first = ResultJson.Serialize(PooledResultDocument.Pool(Task, Labels, forward, [new MissingSite("z", "gone"), new MissingSite("a", "gone")]));
        var second = ResultJson.Serialize(PooledResultDocument.Pool(Task, Labels, backward, [new MissingSite("a", "gone"), new MissingSite("z", "gone")]));

        second.Should().Be(first);
    }

    [Test]
    public void Pool_ThreeSites_HeterogeneityIsTheMetaAnalysisOfEachSitesEstimate()
    {
        var documents = RandomDocuments(new Random(11), 300, sites: 3);
        var siteDocuments = documents.GroupBy(d => d.Site).ToDictionary(g => $"site-{g.Key}", g => g.ToList());
        var sites = siteDocuments.ToDictionary(s => s.Key, s => Build(s.Value));

        var pooled = PooledResultDocument.Pool(Task, Labels, sites, []);

        var heterogeneity = pooled.Heterogeneity!;
        heterogeneity.Method.Should().Be("dersimonian_laird");
        var f1Sites = sites.OrderBy(s => s.Key, StringComparer.Ordinal)
            .Select(s => SiteEstimate.ForF1(s.Key, s.Value.PerClass["BLSE"])!)
            .ToList();
        var expectedF1 = MetaAnalysis.DerSimonianLaird(f1Sites);
        heterogeneity.F1["BLSE"].MetaAnalysis.Should().Be(MetaAnalysisSummary.From(expectedF1));
        heterogeneity.F1["BLSE"].Estimates.Select(e => e.Site).Should().Equal("site-1", "site-2", "site-3");
        heterogeneity.F1["BLSE"].Reason.Should().BeNull();

        var aurocSites = sites.OrderBy(s => s.Key, StringComparer.Ordinal)
            .Select(s => SiteEstimate.ForAuroc(s.Key, s.Value.ToHistograms()![1])!)
            .ToList();
        heterogeneity.Auroc!["BLSE"].MetaAnalysis.Should().Be(MetaAnalysisSummary.From(MetaAnalysis.DerSimonianLaird(aurocSites)));
        heterogeneity.Auroc["BLSE"].MetaAnalysis!.ISquared.Should().BeInRange(0, 1);
        pooled.OmittedSections.Should().BeNull();
    }

    [Test]
    public void Pool_OneSite_HeterogeneityHasNoMetaAnalysisAndSaysWhy()
    {
        var site = Build(RandomDocuments(new Random(3), 50, sites: 1));

        var pooled = PooledResultDocument.Pool(Task, Labels, new Dictionary<string, ResultDocument> { ["only"] = site }, []);

        var entry = pooled.Heterogeneity!.F1["SARM"];
        entry.MetaAnalysis.Should().BeNull();
        entry.Reason.Should().Contain("1 site(s)").And.Contain("at least 2");
        entry.Estimates.Should().ContainSingle().Which.Site.Should().Be("only");
        pooled.Heterogeneity.Auroc!["SARM"].MetaAnalysis.Should().BeNull();
    }

    [Test]
    public void Pool_SiteWithPerfectSeparation_IsExcludedFromTheAurocMetaAnalysisWithItsReason()
    {
        // Site "perfect": every BLSE document has P(BLSE) 0.9, every other 0.1 — AUROC 1, DeLong variance 0.
        List<Document> perfect =
        [
            new(1, [0.05, 0.9, 0.05], 0), new(1, [0.05, 0.9, 0.05], 0),
            new(0, [0.8, 0.1, 0.1], 0), new(2, [0.1, 0.1, 0.8], 0), new(0, [0.8, 0.1, 0.1], 0),
        ];
        var random = new Random(5);
        var sites = new Dictionary<string, ResultDocument>
        {
            ["perfect"] = Build(perfect),
            ["b"] = Build(RandomDocuments(random, 80, sites: 1)),
            ["c"] = Build(RandomDocuments(random, 80, sites: 1)),
        };

        var pooled = PooledResultDocument.Pool(Task, Labels, sites, []);

        var entry = pooled.Heterogeneity!.Auroc!["BLSE"];
        entry.Excluded.Should().ContainSingle().Which.Should().Match<MissingSite>(m => m.Site == "perfect" && m.Reason.Contains("variance 0"));
        entry.Estimates.Select(e => e.Site).Should().Equal("b", "c");
        entry.MetaAnalysis!.Sites.Should().Be(2);
    }

    [Test]
    public void Pool_SiteWithoutHistograms_OmitsThePooledRankingSectionsAndSaysWhich()
    {
        var random = new Random(9);
        var withSections = Build(RandomDocuments(random, 60, sites: 1));
        var countsOnly = ResultDocument.FromCounts(Task, Build(RandomDocuments(random, 60, sites: 1)).ToCounts(), new InputSummary());

        var pooled = PooledResultDocument.Pool(Task, Labels, new Dictionary<string, ResultDocument> { ["a"] = withSections, ["old"] = countsOnly }, []);

        pooled.Pooled!.ScoreHistograms.Should().BeNull();
        pooled.Pooled.Auroc.Should().BeNull();
        pooled.Pooled.Calibration.Should().BeNull();
        pooled.Pooled.Intervals.Should().NotBeNull("intervals derive from the pooled confusion matrix alone");
        pooled.Heterogeneity!.Auroc.Should().BeNull();
        pooled.Heterogeneity.F1["BLSE"].Estimates.Should().HaveCount(2);
        pooled.OmittedSections.Should().BeEquivalentTo(new[]
        {
            new OmittedSection("score_histograms", "site(s) old released none, and a pool of the other sites would not be the union's"),
            new OmittedSection("calibration", "site(s) old released none, and a pool of the other sites would not be the union's"),
        });
    }

    [Test]
    public void Pool_SiteWithAMalformedHistogram_OmitsTheSectionInsteadOfFailing()
    {
        var random = new Random(13);
        var good = Build(RandomDocuments(random, 40, sites: 1));
        var bad = Build(RandomDocuments(random, 40, sites: 1));
        var perClass = bad.ScoreHistograms!.PerClass.ToDictionary(p => p.Key, p => p.Value);
        perClass["SARM"] = new ClassScoreHistogram([1, 2, 3], perClass["SARM"].Negatives);
        bad = bad with { ScoreHistograms = bad.ScoreHistograms with { PerClass = perClass } };

        var pooled = PooledResultDocument.Pool(Task, Labels, new Dictionary<string, ResultDocument> { ["good"] = good, ["bad"] = bad }, []);

        pooled.Pooled!.Auroc.Should().BeNull();
        pooled.OmittedSections.Should().ContainSingle().Which.Reason.Should().StartWith("site bad released an unusable score_histograms");
        pooled.Pooled.Calibration.Should().NotBeNull();
    }

    private static double Brier(Document d) =>
        d.Probabilities.Select((p, c) => Math.Pow(p - (c == d.Gold ? 1 : 0), 2)).Sum();

    /// <summary>Documents with probabilities on the score grid: three integer steps summing to 1000.</summary>
    private static List<Document> RandomDocuments(Random random, int count, int sites)
    {
        var documents = new List<Document>(count);
        for (var i = 0; i < count; i++)
        {
            // Coarse steps make ties common, which is what the histogram has to get right.
            int a = random.Next(0, 21) * 50, b = random.Next(0, 21) * 50;
            var (low, high) = (Math.Min(a, b), Math.Max(a, b));
            double[] probabilities = [low / 1000.0, (high - low) / 1000.0, (1000 - high) / 1000.0];
            documents.Add(new Document(random.Next(Labels.Length), probabilities, random.Next(1, sites + 1)));
        }

        return documents;
    }

    private static ResultDocument Build(IReadOnlyList<Document> documents)
    {
        var counts = new ClassificationCounts(Labels);
        var histograms = new OneVsRestHistograms(Labels);
        var calibration = new CalibrationStatistics();
        foreach (var document in documents)
        {
            counts.Add(document.Gold, document.Predicted);
            histograms.Add(document.Gold, document.Probabilities);
            calibration.Add(document.Gold, document.Probabilities);
        }

        return ResultDocument.FromStatistics(Task, counts, histograms, calibration, new InputSummary
        {
            DocumentsRead = documents.Count,
            DocumentsEvaluated = documents.Count,
        });
    }
}
