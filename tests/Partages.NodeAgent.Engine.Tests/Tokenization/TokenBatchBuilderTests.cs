using Partages.NodeAgent.Engine.Scoring;
using Partages.NodeAgent.Engine.Tokenization;

namespace Partages.NodeAgent.Engine.Tests.Tokenization;

public sealed class TokenBatchBuilderTests
{
    private static readonly BertEncoder Encoder = BertEncoder.Create(Encoding.UTF8.GetBytes(string.Join('\n', Vocabulary)), Manifest);

    [Test]
    public void Build_DynamicShape_PadsToTheLongestDocumentWithZeroMask()
    {
        var builder = new TokenBatchBuilder(batchSize: 4, fixedBatch: false, fixedSequenceLength: null, tokenTypeIds: false, Encoder);
        var first = Owner(1);
        var second = Owner(0);
        builder.Add([2, 5, 3], first);
        builder.Add([2, 5, 6, 7, 3], second);

        var batch = builder.Build(chunk: 7);

        batch.Should().BeEquivalentTo(new
        {
            Rows = 2,
            TensorRows = 2,
            SequenceLength = 5,
            Chunk = 7L,
            TokenTypeIds = (long[]?)null,
        });
        batch.Owners.Should().Equal(first, second);
        batch.InputIds.Should().Equal(2, 5, 3, 0, 0, 2, 5, 6, 7, 3);
        batch.AttentionMask.Should().Equal(1, 1, 1, 0, 0, 1, 1, 1, 1, 1);
        builder.Count.Should().Be(0);
    }

    [Test]
    public void Build_FixedBatchAndSequence_FillsMissingRowsAndPadsToTheFixedLength()
    {
        var builder = new TokenBatchBuilder(batchSize: 3, fixedBatch: true, fixedSequenceLength: 4, tokenTypeIds: true, Encoder);
        builder.Add([2, 5, 3], Owner(2));

        var batch = builder.Build(chunk: 1);

        batch.Rows.Should().Be(1);
        batch.TensorRows.Should().Be(3);
        batch.InputIds.Should().Equal(2, 5, 3, 0, 2, 3, 0, 0, 2, 3, 0, 0);
        batch.AttentionMask.Should().Equal(1, 1, 1, 0, 1, 1, 0, 0, 1, 1, 0, 0);
        batch.TokenTypeIds.Should().HaveCount(12).And.OnlyContain(id => id == 0);
    }

    private static DocumentScore Owner(int label) => new(label, null, windows: 1, classes: 4, WindowAggregations.Mean);
}
