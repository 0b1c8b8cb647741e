namespace Partages.NodeAgent.Engine.Tokenization;

/// <summary>
/// A batch ready for inference: row-major <c>[TensorRows, SequenceLength]</c> id and mask tensors. Rows past
/// <see cref="Rows"/> are filler for graphs with a fixed batch size; their predictions are discarded.
/// </summary>
internal sealed record TokenBatch(
    long[] InputIds,
    long[] AttentionMask,
    long[]? TokenTypeIds,
    int Rows,
    int TensorRows,
    int SequenceLength,
    int[] Labels,
    long DocumentsRead);
