namespace Partages.NodeAgent.Engine.Tokenization;

/// <summary>
/// Gathers encoded windows and pads them into one <see cref="TokenBatch"/>. Padding goes to the batch's
/// longest document unless the graph fixes the sequence length, so short reports cost short tensors.
/// </summary>
internal sealed class TokenBatchBuilder
{
    private readonly int _batchSize;
    private readonly int? _fixedSequenceLength;
    private readonly bool _fixedBatch;
    private readonly bool _tokenTypeIds;
    private readonly long _paddingId;
    private readonly int[] _fillerRow;
    private readonly List<int[]> _ids = [];
    private readonly List<DocumentScore> _owners = [];

    /// <param name="fixedBatch">The graph's batch dimension is static: every tensor has <paramref name="batchSize"/> rows.</param>
    public TokenBatchBuilder(int batchSize, bool fixedBatch, int? fixedSequenceLength, bool tokenTypeIds, TextEncoder encoder)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        _batchSize = batchSize;
        _fixedBatch = fixedBatch;
        _fixedSequenceLength = fixedSequenceLength;
        _tokenTypeIds = tokenTypeIds;
        _paddingId = encoder.PaddingTokenId;
        _fillerRow = [encoder.ClassificationTokenId, encoder.SeparatorTokenId];
    }

    public int Count => _ids.Count;

    public bool IsFull => _ids.Count >= _batchSize;

    /// <summary>Adds one window of <paramref name="owner"/>'s document.</summary>
    public void Add(int[] ids, DocumentScore owner)
    {
        _ids.Add(ids);
        _owners.Add(owner);
    }

    /// <summary>Pads what was added into tensors and empties the builder.</summary>
    public TokenBatch Build(long chunk)
    {
        var rows = _ids.Count;
        var tensorRows = _fixedBatch ? _batchSize : rows;
        var sequenceLength = _fixedSequenceLength ?? _ids.Max(ids => ids.Length);
        var inputIds = new long[tensorRows * sequenceLength];
        var mask = new long[tensorRows * sequenceLength];
        if (_paddingId != 0)
        {
            Array.Fill(inputIds, _paddingId);
        }

        for (var r = 0; r < tensorRows; r++)
        {
            var ids = r < rows ? _ids[r] : _fillerRow;
            var offset = r * sequenceLength;
            for (var t = 0; t < ids.Length; t++)
            {
                inputIds[offset + t] = ids[t];
                mask[offset + t] = 1;
            }
        }

        var batch = new TokenBatch(
            inputIds,
            mask,
            _tokenTypeIds ? new long[tensorRows * sequenceLength] : null,
            rows,
            tensorRows,
            sequenceLength,
            [.. _owners],
            chunk);
        _ids.Clear();
        _owners.Clear();
        return batch;
    }
}
