using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using Partages.Evaluation.Results;
using Partages.NodeAgent.Engine.Datasets;
using Partages.NodeAgent.Engine.Inference;
using Partages.NodeAgent.Engine.Scoring;
using Partages.NodeAgent.Engine.Telemetry;
using Partages.NodeAgent.Engine.Tokenization;

namespace Partages.NodeAgent.Engine;

/// <summary>
/// One run's three overlapping stages, joined by bounded channels so memory stays flat whatever the dataset size:
/// <list type="number">
/// <item>read: one task streams and validates lines (the only place ids are seen, so "first id wins" is exact) and cuts the usable documents into chunks of one batch;</item>
/// <item>tokenize: <see cref="EvaluationEngineOptions.TokenizerThreads"/> tasks cut each document into windows (one
/// unless the manifest sets a stride) and pad them into tensors of at most one batch of windows;</item>
/// <item>score: one task runs ONNX Runtime on each batch, folds each window's probabilities into its document's
/// <see cref="DocumentScore"/>, and hands each complete document to the task's <see cref="TaskScorer"/>.</item>
/// </list>
/// A document is complete when its last window is scored, whatever the batch or order, and the statistics are
/// sums, so batches may be scored in any order. The first stage to fail cancels the others, and its exception,
/// not their cancellation, is what the caller sees.
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
    // Documents handed to the scorer whose last window is not scored yet: 0 at the end of a run, or a window was lost.
    private long _openDocuments;

    public EvaluationPipeline(EvaluationEngineOptions options, TextEncoder encoder, OnnxClassifier classifier, TaskScorer scorer, string aggregation, bool tokenTypeIds)
    {
        _options = options;
        _encoder = encoder;
        _classifier = classifier;
        _scorer = scorer;
        _aggregation = aggregation;
        var shape = classifier.Shape;
        _batchSize = shape.FixedBatchSize ?? options.BatchSize;
        _newBatchBuilder = () => new TokenBatchBuilder(_batchSize, shape.FixedBatchSize is not null, shape.FixedSequenceLength, tokenTypeIds, encoder);
    }

    /// <param name="total">Documents expected, for progress; the run does not depend on it being exact.</param>
    /// <returns>What was read and set aside; the scores are in the <see cref="TaskScorer"/>.</returns>
    public async Task<InputSummary> RunAsync(
        IDocumentReader reader,
        long total,
        IProgress<EvaluationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var inferenceSkips = new SkipTally();
        var chunks = Bounded<DocumentChunk>(singleReader: _options.TokenizerThreads == 1, singleWriter: true);
        var batches = Bounded<TokenBatch>(singleReader: true, singleWriter: _options.TokenizerThreads == 1);

        using var failure = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reading = Task.Run(() => StageAsync(() => ReadAsync(reader, chunks.Writer, failure.Token), chunks.Writer, failure), CancellationToken.None);
        var tokenizing = Task.Run(() => StageAsync(() => TokenizeAsync(chunks.Reader, batches.Writer, failure), batches.Writer, failure), CancellationToken.None);
        var scoring = Task.Run(() => ScoreAsync(batches.Reader, inferenceSkips, total, progress, failure), CancellationToken.None);
        await WhenAllAsync([reading, tokenizing, scoring], cancellationToken).ConfigureAwait(false);

        var lastReported = await scoring.ConfigureAwait(false);
        if (progress is not null && lastReported != reader.DocumentsRead)
        {
            progress.Report(new EvaluationProgress(reader.DocumentsRead, Math.Max(total, reader.DocumentsRead)));
        }

        if (Interlocked.Read(ref _openDocuments) != 0)
        {
            throw new InvalidOperationException($"{_openDocuments} document(s) still wait for windows at the end of the run.");
        }

        return new InputSummary
        {
            DocumentsRead = reader.DocumentsRead,
            DocumentsEvaluated = _scorer.DocumentsScored,
            Skipped = SkipTally.Merge(reader.Skipped, inferenceSkips),
        };
    }

    private async Task ReadAsync(IDocumentReader reader, ChannelWriter<DocumentChunk> chunks, CancellationToken cancellationToken)
    {
        var documents = new List<LabeledDocument>(_batchSize);
        while (reader.TryRead(out var document))
        {
            cancellationToken.ThrowIfCancellationRequested();
            documents.Add(document);
            if (documents.Count == _batchSize)
            {
                await chunks.WriteAsync(new DocumentChunk(documents, reader.DocumentsRead), cancellationToken).ConfigureAwait(false);
                documents = new List<LabeledDocument>(_batchSize);
            }
        }

        if (documents.Count > 0)
        {
            await chunks.WriteAsync(new DocumentChunk(documents, reader.DocumentsRead), cancellationToken).ConfigureAwait(false);
        }
    }

    private Task TokenizeAsync(ChannelReader<DocumentChunk> chunks, ChannelWriter<TokenBatch> batches, CancellationTokenSource failure) =>
        Task.WhenAll(Enumerable.Range(0, _options.TokenizerThreads).Select(_ => Task.Run(
            async () =>
            {
                var cancellationToken = failure.Token;
                try
                {
                    var builder = _newBatchBuilder();
                    await foreach (var chunk in chunks.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                    {
                        await TokenizeChunkAsync(chunk, builder, batches, cancellationToken).ConfigureAwait(false);
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
    /// Cuts the chunk's documents into windows and writes a batch whenever one is full, then the rest. Only the
    /// batch holding the chunk's last window carries the chunk's progress mark.
    /// </summary>
    private async Task TokenizeChunkAsync(DocumentChunk chunk, TokenBatchBuilder builder, ChannelWriter<TokenBatch> batches, CancellationToken cancellationToken)
    {
        for (var d = 0; d < chunk.Documents.Count; d++)
        {
            var document = chunk.Documents[d];
            var windows = _encoder.EncodeWindows(document.Text);
            var owner = new DocumentScore(document.Label, document.Labels, windows.Length, _classifier.Classes, _aggregation)
            {
                // Ids go on only to a local-mode prediction sink; without one they stop here.
                Id = _scorer.Predictions is null ? null : document.Id,
            };
            Interlocked.Increment(ref _openDocuments);
            for (var w = 0; w < windows.Length; w++)
            {
                builder.Add(windows[w], owner);
                if (builder.IsFull)
                {
                    var closesChunk = d == chunk.Documents.Count - 1 && w == windows.Length - 1;
                    await batches.WriteAsync(builder.Build(closesChunk ? chunk.DocumentsRead : -1), cancellationToken).ConfigureAwait(false);
                }
            }
        }

        if (builder.Count > 0)
        {
            await batches.WriteAsync(builder.Build(chunk.DocumentsRead), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <returns>The last <see cref="EvaluationProgress.DocumentsDone"/> reported, or -1.</returns>
    private async Task<long> ScoreAsync(
        ChannelReader<TokenBatch> batches,
        SkipTally skips,
        long total,
        IProgress<EvaluationProgress>? progress,
        CancellationTokenSource failure)
    {
        try
        {
            return await ScoreBatchesAsync(batches, skips, total, progress, failure.Token).ConfigureAwait(false);
        }
        catch
        {
            await failure.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task<long> ScoreBatchesAsync(
        ChannelReader<TokenBatch> batches,
        SkipTally skips,
        long total,
        IProgress<EvaluationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var classes = _classifier.Classes;
        var logits = new float[_batchSize * classes];
        var probabilities = new double[classes];
        long lastReported = -1;
        await foreach (var batch in batches.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            // ReadAllAsync hands out buffered batches without looking at the token, so cancellation is checked here.
            cancellationToken.ThrowIfCancellationRequested();
            var started = Stopwatch.GetTimestamp();
            _classifier.Score(batch, logits, cancellationToken);
            EngineTelemetry.BatchDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
            for (var row = 0; row < batch.Rows; row++)
            {
                var valid = _scorer.ToProbabilities(logits.AsSpan(row * classes, classes), probabilities);
                var owner = batch.Owners[row];
                if (!owner.AddWindow(probabilities, valid))
                {
                    continue;
                }

                Interlocked.Decrement(ref _openDocuments);
                if (owner.IsInvalid)
                {
                    skips.Add(SkipKinds.InvalidLogits);
                }
                else
                {
                    _scorer.Add(owner);
                }
            }

            // Parallel tokenizers may hand batches over out of reading order: progress only ever moves forward.
            if (batch.DocumentsRead > lastReported)
            {
                lastReported = batch.DocumentsRead;
                progress?.Report(new EvaluationProgress(lastReported, Math.Max(total, lastReported)));
            }
        }

        return lastReported;
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

    private Channel<T> Bounded<T>(bool singleReader, bool singleWriter) =>
        Channel.CreateBounded<T>(new BoundedChannelOptions(_options.PrefetchBatches)
        {
            SingleReader = singleReader,
            SingleWriter = singleWriter,
            FullMode = BoundedChannelFullMode.Wait,
        });

    /// <summary>Usable documents for one batch, and how many lines had been read when the last of them was.</summary>
    private sealed record DocumentChunk(List<LabeledDocument> Documents, long DocumentsRead);
}
