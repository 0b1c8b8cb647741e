namespace Partages.Evaluation.Tests.Results;

public class PoolingTests
{
    private static readonly string[] Labels = ["neg", "pos"];

    [Test]
    public void Pool_RandomSplitsAcrossSites_EqualsSingleSiteOnTheUnion()
    {
        // A property over many random splits: pooling counts across sites is exact, so every
        // derived metric equals the one computed on all documents in one place.
        var random = new Random(20261129);
        for (var trial = 0; trial < 200; trial++)
        {
            var documents = Enumerable.Range(0, random.Next(0, 300))
                .Select(_ => (Gold: random.Next(2), Predicted: random.Next(2), Site: random.Next(1, 6)))
                .ToList();
            var union = new ClassificationCounts(Labels);
            var sites = new Dictionary<string, ClassificationCounts>();
            foreach (var (gold, predicted, site) in documents)
            {
                union.Add(gold, predicted);
                var name = $"site-{site}";
                if (!sites.TryGetValue(name, out var counts))
                {
                    sites[name] = counts = new ClassificationCounts(Labels);
                }

                counts.Add(gold, predicted);
            }

            var siteResults = sites.ToDictionary(s => s.Key, s => ResultDocument.FromCounts("single_label_classification", s.Value, new InputSummary()));
            var pooled = PooledResultDocument.Pool("single_label_classification", Labels, siteResults, []);
            var single = ResultDocument.FromCounts("single_label_classification", union, new InputSummary());

            if (documents.Count == 0)
            {
                pooled.Pooled.Should().BeNull();
                continue;
            }

            pooled.Pooled!.ConfusionMatrix.Matrix.Should().BeEquivalentTo(single.ConfusionMatrix.Matrix, o => o.WithStrictOrdering());
            pooled.Pooled.PerClass.Should().BeEquivalentTo(single.PerClass);
            pooled.Pooled.Macro.Should().Be(single.Macro);
            pooled.Pooled.Micro.Should().Be(single.Micro);
            pooled.Pooled.Weighted.Should().Be(single.Weighted);
        }
    }

    [Test]
    public void Serialize_SiteResult_UsesSnakeCaseAndRoundTrips()
    {
        var counts = ClassificationCounts.FromMatrix(Labels, [[5, 1], [2, 7]]);
        var document = ResultDocument.FromCounts("single_label_classification", counts, new InputSummary
        {
            DocumentsRead = 17,
            DocumentsEvaluated = 15,
            Skipped = new Dictionary<string, long> { ["malformed_json"] = 2 },
        });

        var json = ResultJson.Serialize(document);
        var back = ResultJson.DeserializeSite(json);

        json.Should().Contain("\"n_documents\": 15").And.Contain("\"per_class\"").And.Contain("\"confusion_matrix\"").And.Contain("\"documents_read\": 17");
        ResultJson.Serialize(back).Should().Be(json);
    }

    [Test]
    public void DeserializeSite_OtherSchema_IsRefused()
    {
        var act = () => ResultJson.DeserializeSite("{\"schema\":\"something/v9\"}");

        act.Should().Throw<InvalidDataException>();
    }

    [Test]
    public void Pool_MissingSites_AreListedWithReasons()
    {
        var site = ResultDocument.FromCounts("single_label_classification", ClassificationCounts.FromMatrix(Labels, [[1, 0], [0, 1]]), new InputSummary());

        var pooled = PooledResultDocument.Pool("single_label_classification", Labels, new Dictionary<string, ResultDocument> { ["b"] = site }, [new MissingSite("a", "dataset not exposed")]);

        pooled.IncludedSites.Should().Equal("b");
        pooled.MissingSites.Should().ContainSingle().Which.Reason.Should().Be("dataset not exposed");
    }
}
