using Partages.ModelKit.Training;

namespace Partages.Benchmarks.Engine.Measurement;

/// <summary>One batch as the engine's batch builder makes it: row-major ids, mask and zero token types, padded to the batch's longest row.</summary>
internal sealed record TokenizedBatch(long[] InputIds, long[] AttentionMask, long[] TokenTypeIds, int Rows, int SequenceLength)
{
    public long[] Shape => [Rows, SequenceLength];

    /// <summary>
    /// Cuts <paramref name="texts"/>, in order, into batches of <paramref name="batchSize"/>, tokenized by the model kit's
    /// <see cref="BertEncoding"/> (accents folded, lowercase WordPiece, <c>[CLS]</c> … <c>[SEP]</c> cut at max_length),
    /// the same steps and tokenizer options as the engine's encoder, and padded with id 0 as the engine pads (to the
    /// longest row of each batch).
    /// </summary>
    public static List<TokenizedBatch> Cut(IReadOnlyList<string> texts, BertEncoding encoding, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentNullException.ThrowIfNull(encoding);
        var encoded = texts.Select(text => encoding.EncodeToIds(text)).ToList();
        return Pack(encoded, Enumerable.Range(0, texts.Count).ToArray(), batchSize);
    }

    /// <summary>
    /// The padding-free limit of issue 15: every text tokenized as <see cref="Cut"/> does, then all of them sorted by
    /// length (stable) and cut into batches of <paramref name="batchSize"/>, each padded to its longest row.
    /// </summary>
    /// <returns>The batches and, for each of their rows in turn, the text's index (to line up gold labels).</returns>
    public static (List<TokenizedBatch> Batches, int[] Order) CutByLength(IReadOnlyList<string> texts, BertEncoding encoding, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentNullException.ThrowIfNull(encoding);
        var encoded = texts.Select(text => encoding.EncodeToIds(text)).ToList();
        var order = Enumerable.Range(0, texts.Count).OrderBy(i => encoded[i].Count).ToArray();
        return (Pack(encoded, order, batchSize), order);
    }

    private static List<TokenizedBatch> Pack(List<IReadOnlyList<int>> encoded, int[] order, int batchSize)
    {
        var batches = new List<TokenizedBatch>((order.Length + batchSize - 1) / batchSize);
        for (var start = 0; start < order.Length; start += batchSize)
        {
            var rows = order.Skip(start).Take(batchSize).Select(i => encoded[i]).ToList();
            var sequence = rows.Max(r => r.Count);
            var ids = new long[rows.Count * sequence];
            var mask = new long[rows.Count * sequence];
            for (var r = 0; r < rows.Count; r++)
            {
                for (var t = 0; t < rows[r].Count; t++)
                {
                    ids[(r * sequence) + t] = rows[r][t];
                    mask[(r * sequence) + t] = 1;
                }
            }

            batches.Add(new TokenizedBatch(ids, mask, new long[ids.Length], rows.Count, sequence));
        }

        return batches;
    }
}
