using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using Partages.NodeAgent.Engine.Telemetry;

namespace Partages.NodeAgent.Engine;

/// <summary>
/// One run's three overlapping stages, joined by bounded channels so memory stays flat whatever the dataset size:
/// <list type="number">
/// <item>read: one task streams and validates lines (the only place ids are seen, so "first id wins" is exact), numbers the usable documents and cuts them into chunks: those of one block of lines (<see cref="LineBlocks"/>, <see cref="EvaluationEngineOptions.LinesPerChunk"/>), one document where the <see cref="RunPlan"/> isolates it;</item>
/// <item>tokenize: <see cref="EvaluationEngineOptions.TokenizerThreads"/> tasks cut each document into windows (one
/// unless the manifest sets a stride), say which documents the chunk holds, sort the chunk's windows by length (a
/// long report's windows too) and pad them into tensors of at most one batch of windows, each only to its own longest;</item>
/// <item>score: one task runs ONNX Runtime on each batch (its rows dealt into <see cref="OnnxClassifier.ConcurrentCalls"/>
/// parts scored at once, <see cref="BatchInference"/>), folds each window's probabilities into its document's
/// <see cref="DocumentScore"/>, and commits chunks to the task's <see cref="TaskScorer"/> in reading order (<see cref="ChunkLedger"/>).</item>
/// </list>
/// A report can only cost its own document: an inference call that fails or outlasts
/// <see cref="EvaluationEngineOptions.BatchTimeoutSeconds"/> is retried one document at a time, and a document whose
/// call still fails (or that cannot be tokenized) is counted <c>inference_failed</c>; the run goes on. Any other
/// failure of a stage cancels the others, and its exception, not their cancellation, is what the caller sees.
/// </summary>
internal sealed class EvaluationPipeline
{
    private readonly EvaluationEngineOptions _options;
    private readonly TextEncoder _encoder;
    private readonly OnnxClassifier _classifier;
    private readonly TaskScorer _scorer;
    private readonly string _aggregation;
    private readonly Func<TokenBatchBuilder> _newBatchBuilder;
    private readonly int _batchSize;
    private readonly bool _fixedBatch;
    private readonly RunPlan _plan;
    private readonly RunPlanLookup _planLookup;
    private readonly IInferenceObserver? _observer;
    private readonly Func<InputSummary, ResultDocument>? _checkpointResult;

    /// <param name="checkpointResult">Builds the task's result from the statistics so far; needed with an <paramref name="observer"/>.</param>
    public EvaluationPipeline(
        EvaluationEngineOptions options,
        TextEncoder encoder,
        OnnxClassifier classifier,
        TaskScorer scorer,
        string aggregation,
        bool tokenTypeIds,
        RunPlan? plan = null,
        IInferenceObserver? observer = null,
        Func<InputSummary, ResultDocument>? checkpointResult = null)
    {
        _options = options;
        _encoder = encoder;
        _classifier = classifier;
        _scorer = scorer;
        _aggregation = aggregation;
        var shape = classifier.Shape;
        _batchSize = shape.FixedBatchSize ?? options.BatchSize;
        _fixedBatch = shape.FixedBatchSize is not null;
        _newBatchBuilder = () => new TokenBatchBuilder(_batchSize, _fixedBatch, shape.FixedSequenceLength, tokenTypeIds, encoder);
        if (observer is not null && checkpointResult is null)
        {
            throw new ArgumentException("Checkpoints for an observer need a way to build the result.", nameof(checkpointResult));
        }

        _plan = plan ?? RunPlan.Full;
        _planLookup = new RunPlanLookup(_plan);
        _observer = observer;
        _checkpointResult = checkpointResult;
    }

    /// <param name="total">Documents expected, for progress; the run does not depend on it being exact.</param>
    /// <returns>What this segment read and set aside; the scores are in the <see cref="TaskScorer"/>.</returns>
    public async Task<InputSummary> RunAsync(
        IDocumentReader reader,
        long total,
        IProgress<EvaluationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var segment = new SegmentReader(reader, _plan);
        var ledger = new ChunkLedger(_scorer);
        // A chunk holds LengthGroupBatches batches' worth of lines, so the chunk queue shrinks as chunks grow (at least
        // one): what is in memory is a few chunks (queued, one per tokenizer, those waiting to commit), never a
        // number of lines that grows with the dataset.
        var chunkCapacity = Math.Max(1, _options.PrefetchBatches * _batchSize / _options.LinesPerChunk);
        var chunks = Bounded<DocumentChunk>(chunkCapacity, singleReader: _options.TokenizerThreads == 1, singleWriter: true);
        var items = Bounded<ScoringItem>(_options.PrefetchBatches, singleReader: true, singleWriter: _options.TokenizerThreads == 1);
        _observer?.ReadingStarted(total);

        using var failure = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reading = Task.Run(() => StageAsync(() => ReadAsync(segment, chunks.Writer, failure.Token), chunks.Writer, failure), CancellationToken.None);
        var tokenizing = Task.Run(() => StageAsync(() => TokenizeAsync(chunks.Reader, items.Writer, failure), items.Writer, failure), CancellationToken.None);
        var scoring = Task.Run(() => ScoreAsync(items.Reader, ledger, total, progress, failure), CancellationToken.None);
        await WhenAllAsync([reading, tokenizing, scoring], cancellationToken).ConfigureAwait(false);

        var lastReported = await scoring.ConfigureAwait(false);
        if (progress is not null && lastReported != segment.DocumentsRead)
        {
            progress.Report(new EvaluationProgress(segment.DocumentsRead, Math.Max(total, segment.DocumentsRead)));
        }

        if (ledger.Waiting != 0)
        {
            throw new InvalidOperationException($"{ledger.Waiting} chunk(s) of documents still wait for windows at the end of the run.");
        }

        return Summary(segment.LinesSinceStart, segment.SkippedSinceStart(), ledger);
    }

    private InputSummary Summary(long lines, IReadOnlyDictionary<string, long> readerSkips, ChunkLedger ledger) => new()
    {
        DocumentsRead = lines,
        DocumentsEvaluated = _scorer.DocumentsScored,
        Skipped = SkipTally.Sum(readerSkips, ledger.Skips.Snapshot()),
    };

    private async Task ReadAsync(SegmentReader segment, ChannelWriter<DocumentChunk> chunks, CancellationToken cancellationToken)
    {
        var linesPerChunk = _options.LinesPerChunk;
        var items = new List<ChunkItem>(linesPerChunk);
        var chunking = new LineBlocks(linesPerChunk);
        long sequence = 0;
        while (segment.TryRead(out var document, out var ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var isolated = _planLookup.IsIsolated(ordinal);
            if (chunking.StartsNewChunk(segment.DocumentsRead, isolated) && items.Count > 0)
            {
                await EmitAsync().ConfigureAwait(false);
            }

            // The skip counts are copied only for checkpoints: without an observer nobody reads them.
            items.Add(new ChunkItem(document, ordinal, _planLookup.IsFailed(ordinal), segment.Position(withSkips: _observer is not null)));
            if (chunking.EndsChunk(segment.DocumentsRead, isolated))
            {
                await EmitAsync().ConfigureAwait(false);
            }
        }

        if (items.Count > 0)
        {
            await EmitAsync().ConfigureAwait(false);
        }

        async Task EmitAsync()
        {
            await chunks.WriteAsync(new DocumentChunk(sequence++, items), cancellationToken).ConfigureAwait(false);
            items = new List<ChunkItem>(linesPerChunk);
        }
    }

    private Task TokenizeAsync(ChannelReader<DocumentChunk> chunks, ChannelWriter<ScoringItem> items, CancellationTokenSource failure) =>
        Task.WhenAll(Enumerable.Range(0, _options.TokenizerThreads).Select(_ => Task.Run(
            async () =>
            {
                var cancellationToken = failure.Token;
                try
                {
                    var builder = _newBatchBuilder();
                    await foreach (var chunk in chunks.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                    {
                        await TokenizeChunkAsync(chunk, builder, items, cancellationToken).ConfigureAwait(false);
                    }
                }
                catch
                {
                    // Stop the sibling tokenizers too, rather than letting them drain the dataset for nothing.
                    await failure.CancelAsync().ConfigureAwait(false);
                    throw;
                }
            },
            CancellationToken.None)));

    /// <summary>
    /// Cuts the chunk's documents into windows, says the chunk's documents, then writes a batch whenever one is full,
    /// then the rest; windows go in by length (stable, so ties keep reading order) unless reading order is asked for.
    /// The chunk's end goes first so the scoring task can commit the chunk as soon as its last window is scored, not
    /// when the next item arrives: a worker that dies a call later then loses no finished chunk. A document the plan
    /// counts failed, or that the encoder cannot cut, gets no window and is failed.
    /// </summary>
    private async Task TokenizeChunkAsync(DocumentChunk chunk, TokenBatchBuilder builder, ChannelWriter<ScoringItem> items, CancellationToken cancellationToken)
    {
        var owners = new DocumentScore[chunk.Items.Count];
        var windows = new int[chunk.Items.Count][][];
        for (var d = 0; d < chunk.Items.Count; d++)
        {
            var item = chunk.Items[d];
            var encoded = item.Failed ? null : TryEncode(item.Document.Text);
            windows[d] = encoded ?? [];
            owners[d] = encoded is null
                ? DocumentScore.FailedBeforeInference(item.Ordinal)
                : new DocumentScore(item.Document.Label, item.Document.Labels, encoded.Length, _classifier.Classes, _aggregation)
                {
                    // Ids go on only to a local-mode prediction sink; without one they stop here.
                    Id = _scorer.Predictions is null ? null : item.Document.Id,
                    Ordinal = item.Ordinal,
                };
        }

        await items.WriteAsync(new ScoringItem(null, new ChunkEnd(chunk, owners)), cancellationToken).ConfigureAwait(false);
        foreach (var (window, owner) in InBatchOrder(windows, owners))
        {
            builder.Add(window, owner);
            if (builder.IsFull)
            {
                await items.WriteAsync(new ScoringItem(builder.Build(chunk.Sequence), null), cancellationToken).ConfigureAwait(false);
            }
        }

        if (builder.Count > 0)
        {
            await items.WriteAsync(new ScoringItem(builder.Build(chunk.Sequence), null), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The chunk's windows in the order they fill batches: reading order, or by length so each batch pads only to
    /// windows about as long as its own. Only the chunk's windows, already in memory, are sorted: nothing more is read ahead.
    /// </summary>
    private IEnumerable<(int[] Window, DocumentScore Owner)> InBatchOrder(int[][][] windows, DocumentScore[] owners)
    {
        var all = windows.SelectMany((documentWindows, d) => documentWindows.Select(window => (Window: window, Owner: owners[d])));
        return _options.ReadingOrderBatches ? all : all.OrderBy(w => w.Window.Length);
    }

    /// <summary>The document's windows, or null when the encoder fails on it (our code, but on a report's text: that report's loss only).</summary>
    private int[][]? TryEncode(string text)
    {
        try
        {
            return _encoder.EncodeWindows(text);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return null;
        }
    }

    /// <returns>The last <see cref="EvaluationProgress.DocumentsDone"/> reported, or -1.</returns>
    private async Task<long> ScoreAsync(
        ChannelReader<ScoringItem> items,
        ChunkLedger ledger,
        long total,
        IProgress<EvaluationProgress>? progress,
        CancellationTokenSource failure)
    {
        try
        {
            return await ScoreItemsAsync(items, ledger, total, progress, failure.Token).ConfigureAwait(false);
        }
        catch
        {
            await failure.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task<long> ScoreItemsAsync(
        ChannelReader<ScoringItem> items,
        ChunkLedger ledger,
        long total,
        IProgress<EvaluationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var logits = new float[_batchSize * _classifier.Classes];
        var probabilities = new double[_classifier.Classes];
        using var inference = new BatchInference(_classifier, _batchSize, _options.BatchTimeout);
        long lastReported = -1;
        await foreach (var item in items.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            // ReadAllAsync hands out buffered items without looking at the token, so cancellation is checked here.
            cancellationToken.ThrowIfCancellationRequested();
            if (item.Batch is { } batch)
            {
                ScoreBatch(batch, inference, logits, probabilities, cancellationToken);
            }
            else
            {
                ledger.Ended(item.End!);
            }

            ledger.CommitReady(chunk =>
            {
                // Several chunks can become ready at once (another tokenizer finished a later chunk first): a
                // cancellation seen while reporting one stops the run before the next is reported or checkpointed.
                cancellationToken.ThrowIfCancellationRequested();
                var after = chunk.After;
                lastReported = after.DocumentsRead;
                progress?.Report(new EvaluationProgress(lastReported, Math.Max(total, lastReported)));
                if (_observer is not null)
                {
                    var summary = Summary(after.LinesSinceStart, after.SkippedSinceStart!, ledger);
                    _observer.Checkpoint(new SegmentCheckpoint(after.DocumentsRead, chunk.NextDocument, _checkpointResult!(summary)));
                }
            });
        }

        return lastReported;
    }

    /// <summary>
    /// Scores a batch; if the call fails, each of its documents' windows again alone, so only the document that made
    /// the model fail is counted failed and the run's outcome does not depend on which reports shared its batch.
    /// </summary>
    private void ScoreBatch(TokenBatch batch, BatchInference inference, float[] logits, double[] probabilities, CancellationToken cancellationToken)
    {
        if (Infer(batch, inference, logits, cancellationToken) is null)
        {
            Apply(batch, logits, probabilities);
            return;
        }

        // A document's rows, in the order its first row appears (sorted by length, they need not be adjacent).
        var rowsByDocument = new Dictionary<DocumentScore, List<int>>(ReferenceEqualityComparer.Instance);
        var documents = new List<DocumentScore>();
        for (var row = 0; row < batch.Rows; row++)
        {
            if (!rowsByDocument.TryGetValue(batch.Owners[row], out var rows))
            {
                rowsByDocument.Add(batch.Owners[row], rows = []);
                documents.Add(batch.Owners[row]);
            }

            rows.Add(row);
        }

        if (documents.Count == 1)
        {
            // One document's windows only: nothing to tell apart.
            Fail(batch);
            return;
        }

        foreach (var document in documents)
        {
            var alone = batch.Select(rowsByDocument[document], _fixedBatch);
            if (Infer(alone, inference, logits, cancellationToken) is null)
            {
                Apply(alone, logits, probabilities);
            }
            else
            {
                Fail(alone);
            }
        }
    }

    private string? Infer(TokenBatch batch, BatchInference inference, float[] logits, CancellationToken cancellationToken)
    {
        if (_observer is not null)
        {
            // Sorted by length, a batch mixes its block's documents: the range spans them all, so a worker that dies in
            // the call makes the agent isolate them all, the culprit among them (RunRecovery).
            var (first, last) = batch.OrdinalRange();
            _observer.InferenceStarted(first, last);
        }

        var started = Stopwatch.GetTimestamp();
        var failure = inference.Run(batch, logits, cancellationToken);
        EngineTelemetry.BatchDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
        _observer?.InferenceEnded(failure);
        return failure;
    }

    private void Apply(TokenBatch batch, float[] logits, double[] probabilities)
    {
        var classes = _classifier.Classes;
        for (var row = 0; row < batch.Rows; row++)
        {
            var valid = _scorer.ToProbabilities(logits.AsSpan(row * classes, classes), probabilities);
            batch.Owners[row].AddWindow(probabilities, valid);
        }
    }

    private static void Fail(TokenBatch batch)
    {
        for (var row = 0; row < batch.Rows; row++)
        {
            batch.Owners[row].FailWindow();
        }
    }

    /// <summary>Runs a stage that feeds a channel: completes the channel when the stage ends, and on failure also cancels the other stages.</summary>
    private static async Task StageAsync<TItem>(Func<Task> stage, ChannelWriter<TItem> output, CancellationTokenSource failure)
    {
        try
        {
            await stage().ConfigureAwait(false);
            output.TryComplete();
        }
        catch (Exception ex)
        {
            output.TryComplete(ex);
            await failure.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Awaits every stage. A failed stage cancels the others, which then end with an <see cref="OperationCanceledException"/>
    /// that only echoes the failure, so the first real cause is rethrown, not an echo.
    /// </summary>
    private static async Task WhenAllAsync(IReadOnlyList<Task> stages, CancellationToken cancellationToken)
    {
        try
        {
            await Task.WhenAll(stages).ConfigureAwait(false);
        }
        catch (Exception)
        {
            var cause = stages
                .Where(t => t.IsFaulted)
                .SelectMany(t => t.Exception!.Flatten().InnerExceptions)
                .FirstOrDefault(e => e is not OperationCanceledException);
            if (cause is not null)
            {
                ExceptionDispatchInfo.Throw(cause);
            }

            cancellationToken.ThrowIfCancellationRequested();
            throw;
        }
    }

    private static Channel<T> Bounded<T>(int capacity, bool singleReader, bool singleWriter) =>
        Channel.CreateBounded<T>(new BoundedChannelOptions(capacity)
        {
            SingleReader = singleReader,
            SingleWriter = singleWriter,
            FullMode = BoundedChannelFullMode.Wait,
        });
}
