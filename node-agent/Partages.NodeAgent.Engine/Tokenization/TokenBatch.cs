using Partages.NodeAgent.Engine.Scoring;

namespace Partages.NodeAgent.Engine.Tokenization;

/// <summary>
/// A batch ready for inference: row-major <c>[TensorRows, SequenceLength]</c> id and mask tensors, one row per
/// window. <see cref="Owners"/> gives each real row's document (several rows share one when a document has several
/// windows, and a document's windows may continue in another batch). Rows past <see cref="Rows"/> are filler for
/// graphs with a fixed batch size; their scores are discarded. A batch holds windows of one chunk of documents
/// (<see cref="Chunk"/>, its sequence number) only.
/// </summary>
internal sealed record TokenBatch(
    long[] InputIds,
    long[] AttentionMask,
    long[]? TokenTypeIds,
    int Rows,
    int TensorRows,
    int SequenceLength,
    DocumentScore[] Owners,
    long Chunk)
{
    /// <summary>
    /// Rows <paramref name="firstRow"/> .. <paramref name="firstRow"/> + <paramref name="rows"/> − 1 as a batch of their
    /// own (to retry one document's windows alone after the batch failed). A graph with a fixed batch size gets
    /// copies of the first row as filler, whose scores are discarded.
    /// </summary>
    public TokenBatch Slice(int firstRow, int rows, bool fixedBatch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(firstRow + rows, Rows);
        var tensorRows = fixedBatch ? TensorRows : rows;
        var ids = new long[tensorRows * SequenceLength];
        var mask = new long[tensorRows * SequenceLength];
        var types = TokenTypeIds is null ? null : new long[tensorRows * SequenceLength];
        for (var r = 0; r < tensorRows; r++)
        {
            var from = (firstRow + (r < rows ? r : 0)) * SequenceLength;
            Array.Copy(InputIds, from, ids, r * SequenceLength, SequenceLength);
            Array.Copy(AttentionMask, from, mask, r * SequenceLength, SequenceLength);
            if (types is not null)
            {
                Array.Copy(TokenTypeIds!, from, types, r * SequenceLength, SequenceLength);
            }
        }

        return new TokenBatch(ids, mask, types, rows, tensorRows, SequenceLength, Owners[firstRow..(firstRow + rows)], Chunk);
    }
}
