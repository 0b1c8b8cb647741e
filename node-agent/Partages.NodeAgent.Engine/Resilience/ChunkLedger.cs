namespace Partages.NodeAgent.Engine.Resilience;

/// <summary>
/// Where the reader stood right after a document: lines since the file's start, lines this segment counts, and —
/// only when checkpoints are wanted — the skipped lines this segment counts by then. A checkpoint must name the
/// position right after a document (not after the skipped lines that follow it), for a new worker to resume there.
/// </summary>
internal sealed record ReadPosition(long DocumentsRead, long LinesSinceStart, SortedDictionary<string, long>? SkippedSinceStart);

/// <summary>One usable document of a chunk, its number in the run, whether the plan counts it failed without inference, and the position after it.</summary>
internal sealed record ChunkItem(LabeledDocument Document, long Ordinal, bool Failed, ReadPosition After);

/// <summary>The usable documents of one block of lines (<see cref="LineBlocks"/>), or one document the plan isolates.</summary>
internal sealed record DocumentChunk(long Sequence, List<ChunkItem> Items)
{
    /// <summary>The reader's position after the chunk's last document.</summary>
    public ReadPosition After => Items[^1].After;

    /// <summary>The number of the first document after this chunk.</summary>
    public long NextDocument => Items[^1].Ordinal + 1;
}

/// <summary>Sent by a tokenizer before a chunk's windows: the chunk's documents, in reading order.</summary>
internal sealed record ChunkEnd(DocumentChunk Chunk, DocumentScore[] Documents);

/// <summary>What the scoring stage takes from the tokenizers: a batch of windows, or the end of a chunk.</summary>
internal sealed record ScoringItem(TokenBatch? Batch, ChunkEnd? End);

/// <summary>
/// Hands a segment's documents to the <see cref="TaskScorer"/> chunk by chunk in reading order, each chunk once all
/// its documents are complete: so at every commit the statistics hold exactly the documents before a known one,
/// which is what a checkpoint must say for a restarted worker to resume without counting a document twice.
/// Parallel tokenizers may finish chunks out of order; those wait here. Used by the scoring task only.
/// </summary>
internal sealed class ChunkLedger(TaskScorer scorer)
{
    private readonly Dictionary<long, ChunkEnd> _waiting = [];
    private long _next;

    /// <summary>Documents set aside at inference: <c>inference_failed</c> and <c>invalid_logits</c>.</summary>
    public SkipTally Skips { get; } = new();

    /// <summary>Chunks announced but not committed: 0 at the end of a run, or a window was lost.</summary>
    public int Waiting => _waiting.Count;

    public void Ended(ChunkEnd end) => _waiting.Add(end.Chunk.Sequence, end);

    /// <summary>Commits every chunk that can be, in reading order, calling <paramref name="committed"/> after each.</summary>
    public void CommitReady(Action<DocumentChunk> committed)
    {
        while (_waiting.TryGetValue(_next, out var end) && end.Documents.All(d => d.IsComplete))
        {
            _waiting.Remove(_next);
            _next++;
            foreach (var document in end.Documents)
            {
                if (document.IsFailed)
                {
                    Skips.Add(SkipKinds.InferenceFailed);
                }
                else if (document.IsInvalid)
                {
                    Skips.Add(SkipKinds.InvalidLogits);
                }
                else
                {
                    scorer.Add(document);
                }
            }

            committed(end.Chunk);
        }
    }
}
