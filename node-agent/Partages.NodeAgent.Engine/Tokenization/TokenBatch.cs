using Partages.NodeAgent.Engine.Scoring;

namespace Partages.NodeAgent.Engine.Tokenization;

/// <summary>
/// A batch ready for inference: row-major <c>[TensorRows, SequenceLength]</c> id and mask tensors, one row per
/// window. <see cref="Owners"/> gives each real row's document (several rows share one when a document has several
/// windows, and a document's windows may continue in another batch). Rows past <see cref="Rows"/> are filler for
/// graphs with a fixed batch size; their scores are discarded. <see cref="DocumentsRead"/> is -1 on a batch that
/// does not close a chunk of documents, so progress moves only once a chunk's last window is scored.
/// </summary>
internal sealed record TokenBatch(
    long[] InputIds,
    long[] AttentionMask,
    long[]? TokenTypeIds,
    int Rows,
    int TensorRows,
    int SequenceLength,
    DocumentScore[] Owners,
    long DocumentsRead);
