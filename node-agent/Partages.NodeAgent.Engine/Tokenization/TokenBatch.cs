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
        return Copy(rows, fixedBatch ? TensorRows : rows.Count, SequenceLength);
    }

    /// <summary>
    /// The batch's rows dealt round-robin into at most <paramref name="parts"/> batches (row r to part r mod parts),
    /// for as many inference calls at once (issue 15). Dealing, not cutting, keeps the parts' lengths alike in a batch
    /// sorted by length, so the calls end together. Each part is padded only to its own longest row unless
    /// <paramref name="keepLength"/> (a graph with a fixed sequence length). Not for graphs with a fixed batch size.
    /// </summary>
    /// <returns>Each part and, for each of its rows, the row of this batch it came from.</returns>
    public IReadOnlyList<(TokenBatch Part, int[] Rows)> Deal(int parts, bool keepLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parts, 1);
        parts = Math.Min(parts, Rows);
        var dealt = new (TokenBatch, int[])[parts];
        for (var p = 0; p < parts; p++)
        {
            var rows = new int[(Rows - p + parts - 1) / parts];
            var length = 1;
            for (var j = 0; j < rows.Length; j++)
            {
                rows[j] = p + j * parts;
                length = Math.Max(length, RealLength(rows[j]));
            }

            dealt[p] = (Copy(rows, rows.Length, keepLength ? SequenceLength : length), rows);
        }

        return dealt;
    }

    /// <summary>Positions the attention mask keeps in a row: its real tokens, padding after them.</summary>
    private int RealLength(int row)
    {
        var mask = AttentionMask.AsSpan(row * SequenceLength, SequenceLength);
        var last = mask.LastIndexOfAnyExcept(0L);
        return last + 1;
    }

    /// <summary>The given rows, each cut to <paramref name="length"/> positions; rows past them copy the first as filler.</summary>
    private TokenBatch Copy(IReadOnlyList<int> rows, int tensorRows, int length)
    {
        var ids = new long[tensorRows * length];
        var mask = new long[tensorRows * length];
        var types = TokenTypeIds is null ? null : new long[tensorRows * length];
        var owners = new DocumentScore[rows.Count];
        for (var r = 0; r < tensorRows; r++)
        {
            var row = rows[r < rows.Count ? r : 0];
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, Rows);
            var from = row * SequenceLength;
            Array.Copy(InputIds, from, ids, r * length, length);
            Array.Copy(AttentionMask, from, mask, r * length, length);
            if (types is not null)
            {
                Array.Copy(TokenTypeIds!, from, types, r * length, length);
            }

            if (r < rows.Count)
            {
                owners[r] = Owners[row];
            }
        }

        return new TokenBatch(ids, mask, types, rows.Count, tensorRows, length, owners, Chunk);
    }
}
