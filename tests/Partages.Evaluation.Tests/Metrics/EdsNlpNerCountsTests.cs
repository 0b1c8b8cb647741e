namespace Partages.Evaluation.Tests.Metrics;

/// <summary>EDS-NLP's ner_exact, ner_token and ner_overlap (edsnlp/metrics/ner.py, 0.21.0), counted and pooled.</summary>
public sealed class EdsNlpNerCountsTests
{
    private const int Per = 0, Dis = 1;
    private static readonly string[] Types = ["PER", "DIS"];

    [Test]
    public void Section_EdsNlpDocumentationExample_GivesItsPublishedFigures()
    {
        // pred: "[La](PER) [patiente](PER) a une [fièvre aiguë](DIS)."  ref: "La [patiente](PER) a [une fièvre](DIS) aiguë."
        const string text = "La patiente a une fièvre aiguë.";
        var counts = new EdsNlpNerCounts(Types);
        counts.Add(
            [Span(text, "patiente", Per), Span(text, "une fièvre", Dis)],
            [Span(text, "La", Per), Span(text, "patiente", Per), Span(text, "fièvre aiguë", Dis)],
            EdsNlpTokens.Of(text));

        var section = EdsNlpResults.Section(counts, EdsNlpMetrics.All);

        Figures(section.Metrics[EdsNlpMetrics.Exact].Micro).Should().Equal(0.33, 0.50, 0.40);
        Figures(section.Metrics[EdsNlpMetrics.Token].Micro).Should().Equal(0.50, 0.67, 0.57);
        Figures(section.Metrics[EdsNlpMetrics.Overlap].Micro).Should().Equal(0.67, 1.0, 0.80);
        // Per label, as EDS-NLP's docstrings print them.
        Figures(section.Metrics[EdsNlpMetrics.Exact].PerType["PER"]).Should().Equal(0.5, 1.0, 0.67);
        Figures(section.Metrics[EdsNlpMetrics.Exact].PerType["DIS"]).Should().Equal(0.0, 0.0, 0.0);
        Figures(section.Metrics[EdsNlpMetrics.Token].PerType["DIS"]).Should().Equal(0.5, 0.5, 0.5);
        Figures(section.Metrics[EdsNlpMetrics.Overlap].PerType["DIS"]).Should().Equal(1.0, 1.0, 1.0);
        section.Metrics[EdsNlpMetrics.Token].Micro.Should().Match<EdsNlpScore>(s => s.Tp == 2 && s.Support == 3 && s.Positives == 4);
    }

    [Test]
    public void Of_FrenchSentence_WordsAndEachPunctuationMarkAreTokens()
    {
        const string text = "fièvre aiguë. EGFR : non muté";

        EdsNlpTokens.Of(text).Select(t => text[t.Start..t.End]).Should().Equal("fièvre", "aiguë", ".", "EGFR", ":", "non", "muté");
        // NFD: the combining accent stays in its word.
        var nfd = "mute\u0301.";
        EdsNlpTokens.Of(nfd).Select(t => nfd[t.Start..t.End]).Should().Equal("mute\u0301", ".");
    }

    [Test]
    public void Section_EmptyAgainstEmpty_RatiosNotEstimableWhereEdsNlpWritesOneAndZero()
    {
        var counts = new EdsNlpNerCounts(Types);
        counts.Add([], [], EdsNlpTokens.Of("rien"));

        var micro = EdsNlpResults.Section(counts, EdsNlpMetrics.All).Metrics[EdsNlpMetrics.Exact].Micro;

        // EDS-NLP: p = 1, r = 1, f = 0 (2·0 / max(1, 0)); a ratio over nothing is not estimable here.
        micro.Should().Be(new EdsNlpScore(0, 0, 0, null, null, null, null));
    }

    [Test]
    public void Add_OverlapBelowTheThreshold_NotMatchedAndGoldMatchedOnlyByItsLabel()
    {
        const string text = "a b c d e f";
        var tokens = EdsNlpTokens.Of(text);
        var counts = new EdsNlpNerCounts(Types, overlapThreshold: 0.6);
        // Gold PER "a b c" (3 tokens); predicted PER "c d" (Dice 2·1/5 = 0.4) and DIS "a b c" (Dice 1, other label).
        counts.Add([Span(text, "a b c", Per)], [Span(text, "c d", Per), Span(text, "a b c", Dis)], tokens);

        counts[Per, EdsNlpNerCounts.OverlapTruePred].Should().Be(0, "0.4 is below 0.6");
        counts[Per, EdsNlpNerCounts.OverlapTrueGold].Should().Be(0, "the best prediction for the gold span has another label");
        counts[Dis, EdsNlpNerCounts.OverlapTruePred].Should().Be(0, "no gold DIS");
    }

    [Test]
    public void Pool_RandomSplitsAcrossSites_PooledCountsEqualTheUnions()
    {
        var random = new Random(20261207);
        var text = string.Join(' ', Enumerable.Range(0, 40).Select(i => ((char)('a' + (i % 26))).ToString()));
        var tokens = EdsNlpTokens.Of(text);
        for (var trial = 0; trial < 50; trial++)
        {
            var union = new EdsNlpNerCounts(Types);
            var sites = Enumerable.Range(0, 3).Select(_ => new EdsNlpNerCounts(Types)).ToArray();
            for (var d = random.Next(1, 30); d > 0; d--)
            {
                // Entities on characters 0..78 of the 79-character text (spaces included, so some edges fall on them).
                var (gold, predicted) = (RandomNerEntities.Draw(random, 2, text.Length), RandomNerEntities.Draw(random, 2, text.Length));
                union.Add(gold, predicted, tokens);
                sites[random.Next(3)].Add(gold, predicted, tokens);
            }

            var pooled = EdsNlpNerCounts.Pool(Types, EdsNlpMetrics.DefaultOverlapThreshold, sites);

            for (var t = 0; t < Types.Length; t++)
            {
                Enumerable.Range(0, EdsNlpNerCounts.Counters).Select(c => pooled[t, c]).Should().Equal(Enumerable.Range(0, EdsNlpNerCounts.Counters).Select(c => union[t, c]));
            }

            EdsNlpResults.Section(pooled, EdsNlpMetrics.All).Should().BeEquivalentTo(EdsNlpResults.Section(union, EdsNlpMetrics.All));
        }
    }

    private static NerEntity Span(string text, string part, int type)
    {
        var start = text.IndexOf(part, StringComparison.Ordinal);
        return new NerEntity(start, start + part.Length, type);
    }

    private static double?[] Figures(EdsNlpScore score) =>
        [Round(score.Precision), Round(score.Recall), Round(score.F1)];

    private static double? Round(double? value) => value is { } v ? Math.Round(v, 2) : null;
}
