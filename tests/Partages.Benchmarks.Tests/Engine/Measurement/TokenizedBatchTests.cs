using System.Text;
using Partages.Benchmarks.Engine.Measurement;
using Partages.ModelKit.Training;

namespace Partages.Benchmarks.Tests.Engine.Measurement;

public sealed class TokenizedBatchTests
{
    private static readonly string[] Vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "la", "souche", "est", "sensible"];

    [Test]
    public void CutByLength_MixedLengths_SortsRowsAndPadsEachBatchToItsLongest()
    {
        using var vocabulary = new MemoryStream(Encoding.UTF8.GetBytes(string.Join('\n', Vocabulary) + "\n"));
        var encoding = BertEncoding.FromVocabStream(vocabulary, 16);
        string[] texts = ["la souche est sensible la souche", "la", "souche est", "la souche est sensible", "est"];

        var readingOrder = TokenizedBatch.Cut(texts, encoding, 2);
        var (byLength, order) = TokenizedBatch.CutByLength(texts, encoding, 2);

        order.Should().Equal(1, 4, 2, 3, 0);
        byLength.Select(b => b.SequenceLength).Should().Equal(3, 6, 8);
        readingOrder.Select(b => b.SequenceLength).Should().Equal(8, 6, 3);
        byLength.Sum(b => b.AttentionMask.Sum()).Should().Be(readingOrder.Sum(b => b.AttentionMask.Sum()), "the same tokens, only fewer pads");
    }
}
