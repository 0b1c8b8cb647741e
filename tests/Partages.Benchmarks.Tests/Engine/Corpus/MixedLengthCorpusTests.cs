using Partages.ModelKit.Determinism;

namespace Partages.Benchmarks.Tests.Engine.Corpus;

public sealed class MixedLengthCorpusTests : TestDirectoryPerTest
{
    [Test]
    public void DrawWords_ManyDraws_LogNormalShapeWithinTheClip()
    {
        var random = new DeterministicRandom(42);

        var draws = Enumerable.Range(0, 20_000).Select(_ => MixedLengthCorpus.DrawWords(random)).Order().ToArray();

        draws.Should().OnlyContain(w => w >= MixedLengthCorpus.MinWords && w <= MixedLengthCorpus.MaxWords);
        draws[draws.Length / 2].Should().BeInRange(57, 63, "the median is about 60 words");
        draws.Count(w => w > 256).Should().BeInRange(100, 1000, "a few reports in a hundred fill the model's window");
    }

    [Test]
    public async Task WriteAsync_TwoBlocks_ReportsOfMixedLengthsSameBytesForTheSameSeed()
    {
        var first = Scratch.Combine("first.jsonl");
        var second = Scratch.Combine("second.jsonl");

        await MixedLengthCorpus.WriteAsync(first, LongReportCorpus.BlockSize + 50, seed: 9, CancellationToken.None);
        await MixedLengthCorpus.WriteAsync(second, LongReportCorpus.BlockSize + 50, seed: 9, CancellationToken.None);

        var words = (await Jsonl.ReadAmrAsync(first)).Select(r => LongReportCorpus.CountWords(r.Text)).Order().ToArray();
        // Extended reports end on a whole sentence, which may pass the drawn count by up to 20 words.
        words.Should().OnlyContain(w => w >= MixedLengthCorpus.MinWords && w <= MixedLengthCorpus.MaxWords + 20);
        words[words.Length / 2].Should().BeInRange(45, 75);
        (await File.ReadAllBytesAsync(second)).Should().Equal(await File.ReadAllBytesAsync(first));
    }
}
