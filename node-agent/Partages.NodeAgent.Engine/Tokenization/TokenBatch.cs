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
    /// <summary>The lowest and highest document numbers among the real rows: batches sorted by length mix their block's documents.</summary>
    public (long First, long Last) OrdinalRange()
    {
        long first = long.MaxValue, last = long.MinValue;
        for (var r = 0; r < Rows; r++)
        {
            first = Math.Min(first, Owners[r].Ordinal);
            last = Math.Max(last, Owners[r].Ordinal);
        }

        return (first, last);
    }

    /// <summary>
    /// The given rows as a batch of their own (to retry one document's windows alone after the batch failed; with
    /// length-aware batching a document's windows need not be adjacent). A graph with a fixed batch size gets
    /// copies of the first row as filler, whose scores are discarded.
    /// </summary>
    public TokenBatch Select(IReadOnlyList<int> rows, bool fixedBatch)
    {
        ArgumentOutOfRangeException.ThrowIfZero(rows.Count);
        var tensorRows = fixedBatch ? TensorRows : rows.Count;
        var ids = new long[tensorRows * SequenceLength];
        var mask = new long[tensorRows * SequenceLength];
        var types = TokenTypeIds is null ? null : new long[tensorRows * SequenceLength];
        var owners = new DocumentScore[rows.Count];
        for (var r = 0; r < tensorRows; r++)
        {
            var row = rows[r < rows.Count ? r : 0];
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, Rows);
            var from = row * SequenceLength;
            Array.Copy(InputIds, from, ids, r * SequenceLength, SequenceLength);
            Array.Copy(AttentionMask, from, mask, r * SequenceLength, SequenceLength);
            if (types is not null)
            {
                Array.Copy(TokenTypeIds!, from, types, r * SequenceLength, SequenceLength);
            }

            if (r < rows.Count)
            {
                owners[r] = Owners[row];
            }
        }

        return new TokenBatch(ids, mask, types, rows.Count, tensorRows, SequenceLength, owners, Chunk);
    }
}
