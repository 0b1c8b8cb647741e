using Partages.Evaluation.Tokenization;

namespace Partages.Evaluation.Tests.Metrics;

/// <summary>The contribution bound on entities per report: ten one-character words, so positions are characters and words.</summary>
public sealed class NerStatisticsTests
{
    private const int B = 0, S = 1;
    private static readonly string[] Types = ["BIOMARKER", "STATUS"];
    private static readonly NerWord[] Words = [.. Enumerable.Range(0, 10).Select(i => new NerWord(i, i + 1, i))];

    [Test]
    public void Add_MoreEntitiesOfATypeThanTheBound_KeepsTheFirstMByPositionOnEachSideAndCountsTheReportOnce()
    {
        var statistics = new NerStatistics(Types, maxEntitiesPerReport: 2);
        // Gold listed out of text order: the first two by position (0 and 2) are kept, whatever the list order.
        NerEntity[] gold = [new(4, 5, B), new(0, 1, B), new(2, 3, B), new(6, 7, S)];
        var predicted = Iob2.Encode([new(0, 1, B), new(2, 3, B), new(4, 5, B), new(8, 9, B)], Words.Length);

        var counted = statistics.Add(gold, Words, predicted);

        counted.Should().Equal(new NerEntity(0, 1, B), new NerEntity(2, 3, B));
        var strict = statistics.Schemes.Get(NerSchemes.Strict, B);
        strict.Should().BeEquivalentTo(new NerOutcomeCounts { Correct = 2 }, "the gold at 4 and the predictions at 4 and 8 are clipped, not missed or spurious");
        statistics.Schemes.Get(NerSchemes.Strict, S).Missed.Should().Be(1);
        statistics.Seqeval.Tp(B).Should().Be(2);
        statistics.Seqeval.Fp(B).Should().Be(0);
        statistics.Boundaries[B, B].Should().Be(2);
        statistics.ReportsClipped.Should().Be(1);
        statistics.DocumentCount.Should().Be(1);
    }

    [Test]
    public void Add_WithinTheBound_NothingClipped()
    {
        var statistics = new NerStatistics(Types, maxEntitiesPerReport: 2);

        statistics.Add([new(0, 1, B), new(2, 3, S)], Words, Iob2.Encode([new(0, 1, B)], Words.Length));

        statistics.ReportsClipped.Should().Be(0);
        statistics.Schemes.Get(NerSchemes.Strict, S).Missed.Should().Be(1);
    }

    [Test]
    public void Add_NoBound_TheSameCountsAsPlainNervaluateAndSeqeval()
    {
        // The default rule is nervaluate 1.x's (one-to-one; overall from all types matched together, per type alone).
        var random = new Random(5);
        var bounded = new NerStatistics(Types);
        var schemes = new NervaluateOneToOneCounts(Types);
        var seqeval = new SeqevalCounts(Types);
        for (var d = 0; d < 200; d++)
        {
            var gold = Entities(random);
            var predictedTags = Iob2.Encode(Entities(random), Words.Length);

            var predicted = bounded.Add(gold, Words, predictedTags);

            schemes.Add(gold, predicted);
            seqeval.Add(Iob2.Encode(gold, Words.Length), predictedTags);
        }

        foreach (var scheme in NerSchemes.All)
        {
            bounded.Schemes.Overall(scheme).Should().Be(schemes.Overall(scheme));
            Enumerable.Range(0, 2).Select(t => bounded.OneToOne!.Get(scheme, t)).Should().Equal(Enumerable.Range(0, 2).Select(t => schemes.Get(scheme, t)));
        }

        Enumerable.Range(0, 2).Select(t => (bounded.Seqeval.Tp(t), bounded.Seqeval.Fp(t), bounded.Seqeval.Fn(t)))
            .Should().Equal(Enumerable.Range(0, 2).Select(t => (seqeval.Tp(t), seqeval.Fp(t), seqeval.Fn(t))));
        bounded.Seqeval.WordsCorrect.Should().Be(seqeval.WordsCorrect);
        bounded.ReportsClipped.Should().Be(0);
    }

    [Test]
    public void Add_NoBoundNervaluate01_TheSameCountsAsPlainNervaluate01()
    {
        var random = new Random(5);
        var bounded = new NerStatistics(Types, matching: NerMatching.Nervaluate01);
        var schemes = new NerSchemeCounts(Types);
        for (var d = 0; d < 200; d++)
        {
            var gold = Entities(random);
            var predicted = bounded.Add(gold, Words, Iob2.Encode(Entities(random), Words.Length));
            schemes.Add(gold, predicted);
        }

        bounded.OneToOne.Should().BeNull();
        foreach (var scheme in NerSchemes.All)
        {
            Enumerable.Range(0, 2).Select(t => bounded.Schemes.Get(scheme, t)).Should().Equal(Enumerable.Range(0, 2).Select(t => schemes.Get(scheme, t)));
        }
    }

    [Test]
    public void Add_ReportLongerThanTheWordBound_CountsItsFirstWWordsAndTheReportAsClipped()
    {
        var statistics = new NerStatistics(Types, maxWordsPerReport: 4);
        var gold = new[] { new NerEntity(0, 1, B), new NerEntity(6, 7, S) };
        // Words 0–3 counted: word 0 right (B), words 1–3 right (O); word 6's miss is past the bound.
        var predictedTags = Iob2.Encode([new NerEntity(0, 1, B)], Words.Length);

        statistics.Add(gold, Words, predictedTags);

        statistics.Seqeval.Words.Should().Be(4);
        statistics.Seqeval.WordsCorrect.Should().Be(4);
        statistics.ReportsClipped.Should().Be(1);
        statistics.Seqeval.Fn(S).Should().Be(1, "the entity counts are not cut by the word bound");
    }

    [Test]
    public void Add_ReportWithinTheWordBound_EveryWordCountedNothingClipped()
    {
        var statistics = new NerStatistics(Types, maxWordsPerReport: 10);

        statistics.Add([new NerEntity(0, 1, B)], Words, Iob2.Encode([], Words.Length));

        statistics.Seqeval.Words.Should().Be(10);
        statistics.Seqeval.WordsCorrect.Should().Be(9);
        statistics.ReportsClipped.Should().Be(0);
    }

    [Test]
    public void Constructor_WordBoundBelowOne_Refused()
    {
        var act = () => new NerStatistics(Types, maxWordsPerReport: 0);

        act.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Test]
    public void Constructor_BoundBelowOne_Refused()
    {
        var act = () => new NerStatistics(Types, maxEntitiesPerReport: 0);

        act.Should().Throw<ArgumentOutOfRangeException>();
    }

    private static NerEntity[] Entities(Random random)
    {
        var entities = new List<NerEntity>();
        var position = random.Next(3);
        while (position < 9)
        {
            var end = Math.Min(10, position + 1 + random.Next(3));
            entities.Add(new NerEntity(position, end, random.Next(Types.Length)));
            position = end + random.Next(3);
        }

        return [.. entities];
    }
}
