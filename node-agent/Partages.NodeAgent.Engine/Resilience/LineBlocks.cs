namespace Partages.NodeAgent.Engine.Resilience;

/// <summary>
/// Cuts a dataset into chunks by blocks of lines — lines 1..B, B+1..2B, … of the file (B the lines per chunk: the
/// batch size times <see cref="EvaluationEngineOptions.LengthGroupBatches"/>, whose windows are sorted by length together) — keeping the
/// usable documents of each block, rather than by every B usable documents. Whether a line is usable depends on the
/// report on it; block boundaries do not, so a report only ever shares inference calls with the reports of its own
/// block, and replacing it changes no other call (docs/threat-model.md, "Timing"). A document the plan isolates is a
/// chunk of its own.
/// </summary>
internal sealed class LineBlocks(int linesPerBlock)
{
    private long _block = -1;

    /// <param name="line">The document's line (the reader's count once it is read: 1 for the first line).</param>
    /// <returns>Whether the chunk being filled must be closed before this document joins one.</returns>
    public bool StartsNewChunk(long line, bool isolated)
    {
        var block = (line - 1) / linesPerBlock;
        var starts = isolated || block != _block;
        _block = block;
        return starts;
    }

    /// <returns>Whether the chunk is complete once this document is in: the block's last line, or an isolated document.</returns>
    public bool EndsChunk(long line, bool isolated)
    {
        if (isolated)
        {
            // The next document, even of this block, starts a chunk of its own.
            _block = -1;
            return true;
        }

        return line % linesPerBlock == 0;
    }
}
