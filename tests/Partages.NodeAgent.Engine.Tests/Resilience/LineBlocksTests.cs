using Partages.NodeAgent.Engine.Resilience;

namespace Partages.NodeAgent.Engine.Tests.Resilience;

public sealed class LineBlocksTests
{
    [Test]
    public void Chunks_OneLineUnusable_OnlyItsBlockLosesADocument()
    {
        // Blocks of 3 lines; usable documents on these lines. Line 2 becomes unusable in the neighbour.
        var all = Chunks(3, [1, 2, 3, 4, 5, 6, 7]);
        var neighbour = Chunks(3, [1, 3, 4, 5, 6, 7]);

        all.Should().BeEquivalentTo(new[] { new long[] { 1, 2, 3 }, [4, 5, 6], [7] }, o => o.WithStrictOrdering());
        neighbour.Should().BeEquivalentTo(new[] { new long[] { 1, 3 }, [4, 5, 6], [7] }, o => o.WithStrictOrdering(),
            "counting usable documents instead would move every later boundary");
    }

    [Test]
    public void Chunks_IsolatedDocument_IsAChunkOfItsOwnAndTheBlockGoesOn()
    {
        var chunks = Chunks(4, [1, 2, 3, 4, 5], isolated: 2);

        chunks.Should().BeEquivalentTo(new[] { new long[] { 1 }, [2], [3, 4], [5] }, o => o.WithStrictOrdering());
    }

    private static List<long[]> Chunks(int linesPerBlock, long[] lines, long isolated = -1)
    {
        var blocks = new LineBlocks(linesPerBlock);
        var chunks = new List<long[]>();
        var current = new List<long>();
        foreach (var line in lines)
        {
            if (blocks.StartsNewChunk(line, line == isolated) && current.Count > 0)
            {
                chunks.Add([.. current]);
                current.Clear();
            }

            current.Add(line);
            if (blocks.EndsChunk(line, line == isolated))
            {
                chunks.Add([.. current]);
                current.Clear();
            }
        }

        if (current.Count > 0)
        {
            chunks.Add([.. current]);
        }

        return chunks;
    }
}
