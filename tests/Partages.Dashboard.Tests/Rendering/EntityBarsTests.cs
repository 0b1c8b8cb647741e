using System.Globalization;
using System.Xml.Linq;
using Partages.Coordinator.Dashboard.Charts;
using Partages.Coordinator.Dashboard.Results;
using static Partages.Dashboard.Tests.Infrastructure.NerSamples;

// Outside the Partages.Dashboard.Tests namespace on purpose: FederationSetUp starts a coordinator, three nodes and a
// browser for every test under that namespace, and these renderer tests need none of it.
namespace Partages.Dashboard.Rendering.Tests;

/// <summary>The entity bars and the NER results section, rendered from hand-made results whose every figure is known.</summary>
public sealed class EntityBarsTests
{
    [Test]
    public void Render_PooledSchemes_EachBarIsItsValueTimesThePlotWidthAndWritesTheNumber()
    {
        var pooled = Pool(Site(biomarker: Outcomes(correct: 40, incorrect: 2, partial: 4, missed: 3, spurious: 1), status: Outcomes(correct: 10, missed: 10)),
            Site(biomarker: Outcomes(correct: 20, partial: 2, spurious: 3), status: Outcomes(correct: 5, incorrect: 5)));
        var analysis = EntityAnalysis.From(pooled, Types);

        foreach (var scheme in analysis.Pooled!)
        {
            var svg = Parse(EntityBars.Render(scheme, "chart"));
            foreach (var row in scheme.Types.Where(r => !r.NoGold))
            {
                var group = svg.Descendants("g").Single(g => (string?)g.Attribute("data-type") == row.Type);
                Bar(group, "precision").Should().BeApproximately(row.Metrics.Precision!.Value * EntityBars.PlotWidth, 0.01, $"{scheme.Scheme} {row.Type} precision");
                Bar(group, "recall").Should().BeApproximately(row.Metrics.Recall!.Value * EntityBars.PlotWidth, 0.01);
                Bar(group, "f1").Should().BeApproximately(row.Metrics.F1!.Value * EntityBars.PlotWidth, 0.01);
                Value(group, "f1").Should().Be(row.Metrics.F1!.Value.ToString("0.000", CultureInfo.InvariantCulture));
            }
        }

        // The figures are those of the summed counts: BIOMARKER, strict, over both sites.
        var strict = analysis.Pooled!.Single(s => s.Scheme == NerSchemes.Strict);
        var biomarker = strict.Types.Single(r => r.Type == "BIOMARKER").Metrics;
        biomarker.Correct.Should().Be(60);
        biomarker.Precision.Should().BeApproximately(60.0 / (60 + 2 + 6 + 4), 1e-12);
        biomarker.Recall.Should().BeApproximately(60.0 / (60 + 2 + 6 + 3), 1e-12);
        var strictSvg = Parse(EntityBars.Render(strict, "strict"));
        Value(strictSvg.Descendants("g").Single(g => (string?)g.Attribute("data-type") == "overall"), "recall")
            .Should().Be(strict.Overall.Metrics.Recall!.Value.ToString("0.000", CultureInfo.InvariantCulture));
    }

    [Test]
    public void From_Nervaluate1Result_TypeRowsAreTheTypesMatchedAloneAndThePageNamesTheRule()
    {
        // Gold BIOMARKER [0, 5); predicted STATUS [0, 5): together one exact-span type confusion, alone one BIOMARKER
        // missed and one STATUS spurious (nervaluate 1.x's per-type report).
        var words = Enumerable.Range(0, 10).Select(i => new Partages.Evaluation.Tokenization.NerWord(i, i + 1, i)).ToArray();
        var statistics = new NerStatistics(Types);
        statistics.Add([new NerEntity(0, 5, 0)], words, Iob2.Encode([new NerEntity(0, 5, 1)], words.Length));
        var site = NerResults.Build(TaskTypes.TokenClassification, statistics, new InputSummary { DocumentsRead = 1, DocumentsEvaluated = 1 });

        var analysis = EntityAnalysis.From(Pool(site), Types);

        analysis.Matching.Should().Be(NerMatching.Nervaluate1);
        analysis.MatchingNote.Should().Contain("nervaluate 1.x");
        var strict = analysis.Pooled!.Single(s => s.Scheme == NerSchemes.Strict);
        strict.Types.Single(r => r.Type == "BIOMARKER").Metrics.Missed.Should().Be(1);
        strict.Types.Single(r => r.Type == "STATUS").Metrics.Spurious.Should().Be(1);
        strict.Overall.Metrics.Incorrect.Should().Be(1, "all types matched together: one pair of other type");
        RenderPage(Pool(site)).Should().Contain("ner_matching: nervaluate-1");
    }

    [Test]
    public void Render_PartialScheme_HalfPointsForPartialOverlapsShowInTheBars()
    {
        var pooled = Pool(Site(biomarker: Outcomes(correct: 6, partial: 4), status: Outcomes(correct: 1)));
        var analysis = EntityAnalysis.From(pooled, Types);
        var strict = analysis.Pooled!.Single(s => s.Scheme == NerSchemes.Strict).Types[0];
        var partial = analysis.Pooled!.Single(s => s.Scheme == NerSchemes.Partial).Types[0];

        var partialSvg = Parse(EntityBars.Render(analysis.Pooled!.Single(s => s.Scheme == NerSchemes.Partial), "p"));
        var group = partialSvg.Descendants("g").Single(g => (string?)g.Attribute("data-type") == "BIOMARKER");

        // Under partial a partial overlap earns half a point: (6 + 2) / 10; strict gives it no credit: 6 / 10.
        Bar(group, "precision").Should().BeApproximately(0.8 * EntityBars.PlotWidth, 0.01);
        partial.Metrics.Precision.Should().BeApproximately(0.8, 1e-12);
        strict.Metrics.Precision.Should().BeApproximately(0.6, 1e-12);
    }

    [Test]
    public void Render_TypeWithNoGoldAndNoPrediction_DrawsNoBarAndSaysSo()
    {
        var pooled = Pool(Site(biomarker: Outcomes(correct: 3), status: Outcomes(correct: 2)));
        var strict = EntityAnalysis.From(pooled, Types).Pooled!.Single(s => s.Scheme == NerSchemes.Strict);

        var svg = Parse(EntityBars.Render(strict, "strict"));

        var mutation = svg.Descendants("g").Single(g => (string?)g.Attribute("data-type") == "MUTATION");
        mutation.Descendants("rect").Should().BeEmpty();
        mutation.Value.Should().Contain("no gold and no predicted entity").And.Contain("0 gold · 0 predicted");
        svg.Descendants("g").Single(g => (string?)g.Attribute("data-type") == "BIOMARKER").Descendants("rect").Should().HaveCount(3);
        svg.Element("desc")!.Value.Should().Contain("MUTATION: no gold and no predicted entity.");
    }

    [Test]
    public void Render_TypeWithNoGoldEntityButPredictions_PrecisionZeroRecallAndF1Undefined()
    {
        var pooled = Pool(Site(biomarker: Outcomes(correct: 3), status: Outcomes(correct: 2), mutation: Outcomes(spurious: 4)));
        var strict = EntityAnalysis.From(pooled, Types).Pooled!.Single(s => s.Scheme == NerSchemes.Strict);
        var row = strict.Types.Single(r => r.Type == "MUTATION");

        var mutation = Parse(EntityBars.Render(strict, "strict")).Descendants("g").Single(g => (string?)g.Attribute("data-type") == "MUTATION");

        // The JSON writes recall = 0 for a ratio over 0; the chart must not show it as a recall of zero.
        row.Metrics.Recall.Should().Be(0);
        row.Recall.Should().BeNull();
        row.F1.Should().BeNull();
        Bar(mutation, "precision").Should().Be(0);
        Value(mutation, "precision").Should().Be("0.000");
        mutation.Descendants("rect").Where(r => (string?)r.Attribute("data-metric") is "recall" or "f1").Should().BeEmpty();
        Value(mutation, "recall").Should().Be("undefined");
        Value(mutation, "f1").Should().Be("undefined");
        mutation.Value.Should().Contain("0 gold · 4 predicted");
    }

    [Test]
    public void Render_AnyScheme_IsANamedImageWithTitleDescriptionAndKeyboardFocus()
    {
        var pooled = Pool(Site(biomarker: Outcomes(correct: 3, missed: 1), status: Outcomes(correct: 2)));
        var exact = EntityAnalysis.From(pooled, Types).Pooled!.Single(s => s.Scheme == NerSchemes.Exact);

        var svg = Parse(EntityBars.Render(exact, "exact-chart"));

        svg.Attribute("role")!.Value.Should().Be("img");
        svg.Attribute("tabindex")!.Value.Should().Be("0");
        svg.Attribute("aria-labelledby")!.Value.Should().Be("exact-chart-title exact-chart-desc");
        svg.Element("title")!.Value.Should().StartWith("Exact scheme");
        svg.Element("desc")!.Value.Should().Contain("BIOMARKER: precision 1.000, recall 0.750, F1 0.857");
        // Every bar has its letter beside it: the metric is not told by colour alone.
        svg.Descendants("text").Count(t => (string?)t.Attribute("class") == "bar-letter").Should().Be(3 * 3);
    }

    [Test]
    public void From_PooledResultWithoutSchemes_PooledIsNotReleasedAndSitesSayWhich()
    {
        var site = Site(biomarker: Outcomes(correct: 3), status: Outcomes(correct: 2));
        var stripped = site with { Schemes = null };
        var document = new PooledResultDocument
        {
            Task = TaskTypes.TokenClassification,
            Pooled = stripped,
            PerSite = new SortedDictionary<string, ResultDocument>(StringComparer.Ordinal) { ["chu-valmont"] = stripped, ["hopital-kerbrac"] = site },
            IncludedSites = ["chu-valmont", "hopital-kerbrac"],
            MissingSites = [],
        };

        var analysis = EntityAnalysis.From(document, Types);

        analysis.Pooled.Should().BeNull();
        analysis.PooledNote.Should().StartWith("not released");
        EntityAnalysis.From(document with { OmittedSections = [new OmittedSection("schemes", "a site's release gate withheld it")] }, Types)
            .PooledNote.Should().Be("not released: a site's release gate withheld it");
        analysis.Sites.Single(s => s.Site == "chu-valmont").Schemes.Should().BeNull();
        analysis.Sites.Single(s => s.Site == "hopital-kerbrac").Schemes.Should().HaveCount(4);
    }

    [Test]
    public void EvaluationPage_NerResultWithSchemes_FourChartsEachWithItsTableAndSitesF1()
    {
        var pooled = Pool(Site(biomarker: Outcomes(correct: 9, partial: 1), status: Outcomes(correct: 4, missed: 1)),
            Site(biomarker: Outcomes(correct: 5, spurious: 1), status: Outcomes(correct: 2)));

        var html = RenderPage(pooled);

        foreach (var scheme in NerSchemes.All)
        {
            html.Should().Contain($"<svg class=\"chart entity-bars\"").And.Contain($"id=\"entity-bars-{scheme}\"");
            html.Should().Contain($"<table class=\"data entity-table\" data-scheme=\"{scheme}\">");
        }

        html.Should().Contain("<summary>Strict: the figures as a table</summary>");
        html.Should().Contain("Entity F1 per site, by scheme").And.NotContain("entities-not-released");
        html.Should().Contain("entity recognition releases no scores");
    }

    [Test]
    public void EvaluationPage_SiteWithoutSchemesPooledByThePooler_SaysNotReleasedWithThePoolersReason()
    {
        // Pooled by the real pooler: one site's gate withheld its schemes, so the pooled schemes are left out and named.
        var withheld = Site(biomarker: Outcomes(correct: 3), status: Outcomes(correct: 2)) with { Schemes = null };
        var pooled = PooledResultDocument.Pool(TaskTypes.TokenClassification, Types,
            new Dictionary<string, ResultDocument>(StringComparer.Ordinal) { ["chu-valmont"] = withheld, ["hopital-kerbrac"] = Site(biomarker: Outcomes(correct: 4), status: Outcomes(correct: 1)) }, []);

        var html = RenderPage(pooled);

        pooled.Pooled!.Schemes.Should().BeNull();
        html.Should().Contain("id=\"entities-not-released\"").And.NotContain("class=\"chart entity-bars\"");
        html.Should().Contain("withheld it");
        // The site that did release its schemes still shows its own F1 per scheme.
        html.Should().Contain("<td class=\"num\" data-scheme=\"strict\">1.000</td>");
    }

    [Test]
    public void EvaluationPage_NerResultWithoutSchemes_SaysNotReleasedInsteadOfDrawingZeros()
    {
        var site = Site(biomarker: Outcomes(correct: 3), status: Outcomes(correct: 2)) with { Schemes = null };
        var document = new PooledResultDocument
        {
            Task = TaskTypes.TokenClassification,
            Pooled = site,
            PerSite = new SortedDictionary<string, ResultDocument>(StringComparer.Ordinal) { ["chu-valmont"] = site },
            IncludedSites = ["chu-valmont"],
            MissingSites = [],
        };

        var html = RenderPage(document);

        html.Should().Contain("id=\"entities-not-released\"").And.Contain("Entity-level figures not released.");
        html.Should().NotContain("class=\"chart entity-bars\"");
        html.Should().Contain("not released: this site&#x27;s result carries no schemes section");
    }

    [Test]
    public void EvaluationPage_ClassificationResult_HasNoEntitySection()
    {
        var counts = ClassificationCounts.FromMatrix(["a", "b"], [[5, 1], [2, 6]]);
        var site = ResultDocument.FromCounts(TaskTypes.SingleLabelClassification, counts, new InputSummary { DocumentsRead = 14, DocumentsEvaluated = 14 });
        var pooled = PooledResultDocument.Pool(TaskTypes.SingleLabelClassification, ["a", "b"],
            new Dictionary<string, ResultDocument>(StringComparer.Ordinal) { ["chu-valmont"] = site }, []);

        RenderPage(pooled).Should().NotContain("id=\"entities\"");
    }

    private static XElement Parse(string svg) => XElement.Parse(svg);

    private static double Bar(XElement group, string metric) =>
        double.Parse(group.Descendants("rect").Single(r => (string?)r.Attribute("data-metric") == metric).Attribute("width")!.Value, CultureInfo.InvariantCulture);

    private static string Value(XElement group, string metric) =>
        group.Descendants("text").Single(t => (string?)t.Attribute("data-metric") == metric).Value;
}
