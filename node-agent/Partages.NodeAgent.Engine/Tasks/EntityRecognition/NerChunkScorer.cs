using System.Diagnostics;
using Partages.NodeAgent.Engine.Telemetry;

namespace Partages.NodeAgent.Engine.Tasks.EntityRecognition;

/// <summary>
/// Scores one chunk of entity recognition documents: every window of the chunk in padded batches of at most
/// <see cref="EvaluationEngineOptions.BatchSize"/> windows. A call that fails (error, out of memory, past
/// <see cref="EvaluationEngineOptions.BatchTimeoutSeconds"/>) is not the run's end: each document that shared it is
/// scored again alone, and one that still fails — or that the encoder cannot cut — has no prediction (null), to be
/// counted <c>inference_failed</c>. So a report costs its own document only, whatever it makes the model do.
/// </summary>
/// <param name="wordTokens">Also cut each text into EDS-NLP word tokens (offsets only), for the spec's EDS-NLP metrics.</param>
internal sealed class NerChunkScorer(TextEncoder encoder, NerSession session, int[] manifestToIob2, EvaluationEngineOptions options, IInferenceObserver? observer, bool wordTokens = false)
{
    /// <returns>One document per item, in order: null where it failed.</returns>
    public NerDocument?[] Score(IReadOnlyList<ChunkItem> items, CancellationToken cancellationToken)
    {
        var documents = new NerDocument?[items.Count];
        var live = new List<int>(items.Count);
        for (var d = 0; d < items.Count; d++)
        {
            documents[d] = items[d].Failed ? null : TryPrepare(items[d]);
            if (documents[d] is not null)
            {
                live.Add(d);
            }
        }

        var (failed, suspects) = ScoreWindows(items, documents, live, cancellationToken);
        foreach (var d in failed)
        {
            documents[d] = null;
        }

        foreach (var d in suspects.Except(failed))
        {
            // Fresh: the windows it already got in batches that worked are scored again with the rest.
            documents[d] = TryPrepare(items[d]);
            if (documents[d] is not null && ScoreWindows(items, documents, [d], cancellationToken).Failed.Count > 0)
            {
                documents[d] = null;
            }
        }

        return documents;
    }

    private NerDocument? TryPrepare(ChunkItem item)
    {
        try
        {
            return new NerDocument(encoder.Pieces(item.Document.Text), encoder.MaxPieces, encoder.Stride, item.Document.Entities ?? [])
            {
                WordTokens = wordTokens ? EdsNlpTokens.Of(item.Document.Text) : null,
            };
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Our code, but on a report's text: that report's loss only.
            return null;
        }
    }

    /// <returns>
    /// Failed: documents alone in a call that failed. Suspects: documents that shared a failed call with others, to be
    /// scored again alone.
    /// </returns>
    private (HashSet<int> Failed, HashSet<int> Suspects) ScoreWindows(IReadOnlyList<ChunkItem> items, NerDocument?[] documents, IReadOnlyList<int> which, CancellationToken cancellationToken)
    {
        var failed = new HashSet<int>();
        var suspects = new HashSet<int>();
        var windows = which.SelectMany(d => Enumerable.Range(0, documents[d]!.Windows.Length).Select(w => (Index: d, Window: w))).ToList();
        var batchSize = options.BatchSize;
        for (var start = 0; start < windows.Count; start += batchSize)
        {
            var batch = windows.GetRange(start, Math.Min(batchSize, windows.Count - start));
            var outputs = Infer(items, documents, batch, cancellationToken);
            if (outputs is not null)
            {
                for (var r = 0; r < batch.Count; r++)
                {
                    var row = r;
                    documents[batch[r].Index]!.AddWindow(batch[r].Window, Row(outputs[0], row, batch.Count), session.Tags, manifestToIob2, [.. outputs.Skip(1).Select(o => Row(o, row, batch.Count))], session.HeadSizes);
                }
            }
            else if (batch[0].Index == batch[^1].Index)
            {
                failed.Add(batch[0].Index);
            }
            else
            {
                suspects.UnionWith(batch.Select(b => b.Index));
            }
        }

        return (failed, suspects);
    }

    private static float[] Row(float[] output, int row, int rows)
    {
        var length = output.Length / rows;
        return output[(row * length)..((row + 1) * length)];
    }

    /// <returns>The batch's logits <c>[rows, sequence, tags]</c> and declared heads, or null when the call failed.</returns>
    private float[][]? Infer(IReadOnlyList<ChunkItem> items, NerDocument?[] documents, List<(int Index, int Window)> batch, CancellationToken cancellationToken)
    {
        var sequence = batch.Max(b => documents[b.Index]!.Windows[b.Window].Count) + 2;
        var ids = new long[batch.Count * sequence];
        var mask = new long[batch.Count * sequence];
        if (encoder.PaddingTokenId != 0)
        {
            Array.Fill(ids, encoder.PaddingTokenId);
        }

        for (var r = 0; r < batch.Count; r++)
        {
            var document = documents[batch[r].Index]!;
            var window = document.Windows[batch[r].Window];
            var offset = r * sequence;
            ids[offset] = encoder.ClassificationTokenId;
            for (var i = 0; i < window.Count; i++)
            {
                ids[offset + 1 + i] = document.Pieces[window.Start + i].Id;
            }

            ids[offset + window.Count + 1] = encoder.SeparatorTokenId;
            mask.AsSpan(offset, window.Count + 2).Fill(1);
        }

        observer?.InferenceStarted(items[batch[0].Index].Ordinal, items[batch[^1].Index].Ordinal);
        var started = Stopwatch.GetTimestamp();
        float[][]? logits = null;
        var failure = InferenceCall.Run(token => logits = session.Score(ids, mask, batch.Count, sequence, token), options.BatchTimeout, cancellationToken);
        EngineTelemetry.BatchDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
        observer?.InferenceEnded(failure);
        return failure is null ? logits : null;
    }
}
