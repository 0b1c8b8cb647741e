using Partages.Evaluation.Tokenization;
using Partages.Evaluation.Tests.Metrics;

namespace Partages.Evaluation.Tests.Results;

public sealed class NerPoolingTests
{
    private static readonly string[] Types = ["BIOMARKER", "STATUS"];
    private const int Length = 60;

    [Test]
    public void Pool_RandomSplitsAcrossSites_PooledCountsAndMetricsEqualSingleSiteOnTheUnion()
    {
        var random = new Random(20261129);
        for (var trial = 0; trial < 50; trial++)
        {
            var documents = Enumerable.Range(0, 1 + random.Next(60))
                .Select(_ => (Gold: RandomEntities(random), Predicted: RandomEntities(random), Site: random.Next(1, 5)))
                .ToList();
            var union = new Accumulator();
            var sites = new SortedDictionary<string, Accumulator>(StringComparer.Ordinal);
            foreach (var (gold, predicted, site) in documents)
            {
                union.Add(gold, predicted);
                var name = $"site-{site}";
                if (!sites.TryGetValue(name, out var accumulator))
                {
                    sites[name] = accumulator = new Accumulator();
                }

                accumulator.Add(gold, predicted);
            }

            // Through the JSON the coordinator stores, as a real site result would travel.
            var siteResults = sites.ToDictionary(s => s.Key, s => ResultJson.DeserializeSite(ResultJson.Serialize(s.Value.Document())));
            var pooled = PooledResultDocument.Pool(TaskTypes.TokenClassification, Types, siteResults, []).Pooled!;
            var single = union.Document();

            pooled.NDocuments.Should().Be(single.NDocuments);
            pooled.Schemes.Should().BeEquivalentTo(single.Schemes, o => o.WithStrictOrdering());
            pooled.Seqeval.Should().BeEquivalentTo(single.Seqeval);
            pooled.ConfusionMatrix.Matrix.Should().BeEquivalentTo(single.ConfusionMatrix.Matrix, o => o.WithStrictOrdering());
            pooled.PerClass.Should().BeEquivalentTo(single.PerClass);
            pooled.Micro.Should().Be(single.Micro);
            pooled.Macro.Should().Be(single.Macro);
            pooled.Weighted.Should().Be(single.Weighted);
            pooled.Accuracy.Should().Be(single.Accuracy);
            foreach (var scheme in NerSchemes.All)
            {
                var sum = Types.Sum(t => siteResults.Values.Sum(s => s.Schemes![scheme].PerType[t].Correct));
                pooled.Schemes![scheme].Overall.Correct.Should().Be(sum, "pooled counts are the sum of the sites' counts");
            }
        }
    }

    [Test]
    public void Pool_Nervaluate1RandomSplitsAcrossSites_BothMatchingsPooledEqualTheUnion()
    {
        // With the EDS-NLP metrics asked too: their pooled section is the union's as well.
        var random = new Random(20261207);
        var words = Enumerable.Range(0, Length).Select(i => new NerWord(i, i + 1, i)).ToArray();
        var tokens = words.Select(w => (w.Start, w.End)).ToArray();
        var edsNlp = new NerEdsNlpOptions(EdsNlpMetrics.All, 0.5);
        for (var trial = 0; trial < 30; trial++)
        {
            var union = new NerStatistics(Types) { EdsNlp = edsNlp };
            var sites = new SortedDictionary<string, NerStatistics>(StringComparer.Ordinal);
            for (var d = random.Next(1, 40); d > 0; d--)
            {
                var (gold, predicted) = (RandomEntities(random), Iob2.Encode(RandomEntities(random), Length));
                union.Add(gold, words, predicted, tokens);
                var name = $"site-{random.Next(1, 4)}";
                if (!sites.TryGetValue(name, out var site))
                {
                    sites[name] = site = new NerStatistics(Types) { EdsNlp = edsNlp };
                }

                site.Add(gold, words, predicted, tokens);
            }

            var siteResults = sites.ToDictionary(s => s.Key, s => ResultJson.DeserializeSite(ResultJson.Serialize(Build(s.Value))));
            var document = PooledResultDocument.Pool(TaskTypes.TokenClassification, Types, siteResults, []);
            var pooled = document.Pooled!;
            var single = Build(union);

            pooled.NerMatching.Should().Be(NerMatching.Nervaluate1);
            ReleaseNotes.For(document).Should().Contain(n => n.StartsWith("Entity matching: nervaluate-1", StringComparison.Ordinal), "every rendering says which rule counted");
            pooled.Schemes.Should().BeEquivalentTo(single.Schemes, o => o.WithStrictOrdering());
            pooled.SchemesByType.Should().BeEquivalentTo(single.SchemesByType, o => o.WithStrictOrdering());
            pooled.EdsNlp.Should().BeEquivalentTo(single.EdsNlp);
            pooled.EdsNlp!.Metrics.Keys.Should().Equal(EdsNlpMetrics.All.Order(StringComparer.Ordinal));
            pooled.ConfusionMatrix.Matrix.Should().BeEquivalentTo(single.ConfusionMatrix.Matrix, o => o.WithStrictOrdering());
        }

        static ResultDocument Build(NerStatistics statistics) => NerResults.Build(
            TaskTypes.TokenClassification, statistics, new InputSummary { DocumentsRead = statistics.DocumentCount, DocumentsEvaluated = statistics.DocumentCount });
    }

    [Test]
    public void Pool_SitesCountedWithDifferentMatchingRules_RefusedNamingBoth()
    {
        var a = new Accumulator();
        a.Add([new NerEntity(0, 5, 0)], [new NerEntity(0, 5, 0)]);
        var sites = new Dictionary<string, ResultDocument>
        {
            ["site-a"] = a.Document() with { NerMatching = NerMatching.Nervaluate01 },
            ["site-b"] = a.Document() with { NerMatching = NerMatching.Nervaluate1, SchemesByType = NerByType.Section(Types, NerOutcomes.Zero(2)) },
        };

        var act = () => PooledResultDocument.Pool(TaskTypes.TokenClassification, Types, sites, []);

        act.Should().Throw<InvalidDataException>().WithMessage("*different matching rules (nervaluate-0.1, nervaluate-1)*");
    }

    [Test]
    public void Pool_SiteWhoseGateWithheldSchemes_SchemesOmittedWithReasonAndSeqevalStillPooled()
    {
        var a = new Accumulator();
        a.Add([new NerEntity(0, 5, 0)], [new NerEntity(0, 5, 0)]);
        var b = new Accumulator();
        b.Add([new NerEntity(10, 15, 1)], [new NerEntity(10, 15, 1)]);
        var sites = new Dictionary<string, ResultDocument>
        {
            ["site-a"] = a.Document(),
            ["site-b"] = b.Document() with { Schemes = null },
        };

        var pooled = PooledResultDocument.Pool(TaskTypes.TokenClassification, Types, sites, []);

        pooled.Pooled!.Schemes.Should().BeNull();
        pooled.OmittedSections.Should().ContainSingle(o => o.Section == "schemes").Which.Reason.Should().Contain("withheld");
        pooled.Pooled.Seqeval!.PerType["BIOMARKER"].Tp.Should().Be(1);
        pooled.Pooled.Seqeval.PerType["STATUS"].Tp.Should().Be(1);
    }

    [Test]
    public void Pool_EntityRecognition_HeterogeneityLeftOutAndNamedWithWhy()
    {
        var a = new Accumulator();
        a.Add([new NerEntity(0, 5, 0)], [new NerEntity(0, 5, 0)]);

        var pooled = PooledResultDocument.Pool(TaskTypes.TokenClassification, Types, new Dictionary<string, ResultDocument> { ["site-a"] = a.Document() }, []);

        pooled.Heterogeneity.Should().BeNull();
        pooled.OmittedSections.Should().ContainSingle(o => o.Section == "heterogeneity").Which.Reason.Should().Contain("cluster within reports");
    }

    [Test]
    public void Pool_SiteWithoutSeqeval_RefusedAsMalformed()
    {
        var a = new Accumulator();
        a.Add([new NerEntity(0, 5, 0)], [new NerEntity(0, 5, 0)]);

        var act = () => PooledResultDocument.Pool(TaskTypes.TokenClassification, Types, new Dictionary<string, ResultDocument> { ["site-a"] = a.Document() with { Seqeval = null } }, []);

        act.Should().Throw<InvalidDataException>().WithMessage("*seqeval*");
    }

    /// <summary>One site's counts, as the engine's scorer keeps them: entities on 60 positions serve as characters and words.</summary>
    private sealed class Accumulator
    {
        private readonly NerSchemeCounts _schemes = new(Types);
        private readonly SeqevalCounts _seqeval = new(Types);
        private readonly ClassificationCounts _boundaries = new(Types);
        private long _documents;

        public void Add(NerEntity[] gold, NerEntity[] predicted)
        {
            _schemes.Add(gold, predicted);
            _seqeval.Add(Iob2.Encode(gold, Length), Iob2.Encode(predicted, Length));
            foreach (var g in gold)
            {
                foreach (var p in predicted.Where(g.SameBoundaries))
                {
                    _boundaries.Add(g.Type, p.Type);
                }
            }

            _documents++;
        }

        public ResultDocument Document() => NerResults.Build(
            TaskTypes.TokenClassification,
            _documents,
            _schemes,
            _seqeval,
            _boundaries,
            new InputSummary { DocumentsRead = _documents, DocumentsEvaluated = _documents });
    }

    private static NerEntity[] RandomEntities(Random random) => RandomNerEntities.Draw(random, Types.Length, Length);
}
