namespace Partages.Benchmarks.Tests.Engine.Corpus;

public sealed class LongReportCorpusTests : TestDirectoryPerTest
{
    [Test]
    public async Task WriteAsync_TwoBlocks_EveryReportHas200To400WordsAndABinaryLabel()
    {
        var path = Scratch.Combine("reports.jsonl");
        var count = LongReportCorpus.BlockSize + 10;

        var statistics = await LongReportCorpus.WriteAsync(path, count, seed: 11, "test", CancellationToken.None);

        var reports = await Jsonl.ReadAmrAsync(path);
        reports.Should().HaveCount(count);
        reports.Select(r => r.Id).Should().OnlyHaveUniqueItems();
        reports.Select(r => LongReportCorpus.CountWords(r.Text)).Should().OnlyContain(w => w >= LongReportCorpus.MinWords && w <= LongReportCorpus.MaxWords);
        reports.Select(r => r.Label).Distinct().Should().BeEquivalentTo(LongReportCorpus.Labels);
        statistics.Documents.Should().Be(count);
        statistics.Resistant.Should().Be(reports.Count(r => r.Label == LongReportCorpus.Resistant));
        File.Exists(path + ".partial").Should().BeFalse();
    }

    [Test]
    public async Task WriteAsync_SameSeed_SameBytes_OtherSeed_OtherBytes()
    {
        var first = Scratch.Combine("first.jsonl");
        var second = Scratch.Combine("second.jsonl");
        var other = Scratch.Combine("other.jsonl");

        await LongReportCorpus.WriteAsync(first, 40, seed: 5, "test", CancellationToken.None);
        await LongReportCorpus.WriteAsync(second, 40, seed: 5, "test", CancellationToken.None);
        await LongReportCorpus.WriteAsync(other, 40, seed: 6, "test", CancellationToken.None);

        (await File.ReadAllBytesAsync(second)).Should().Equal(await File.ReadAllBytesAsync(first));
        (await File.ReadAllBytesAsync(other)).Should().NotEqual(await File.ReadAllBytesAsync(first));
    }

    [TestCase("", 0)]
    [TestCase("un", 1)]
    [TestCase("  deux   mots \n", 2)]
    [TestCase("CULTURE : E. coli\n10^5 UFC/mL", 6)]
    public void CountWords_Text_CountsRunsOfNonWhitespace(string text, int expected) =>
        LongReportCorpus.CountWords(text).Should().Be(expected);
}
