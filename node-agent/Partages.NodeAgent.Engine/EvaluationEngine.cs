using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using Partages.Evaluation.Bundles;
using Partages.Evaluation.Metrics;
using Partages.Evaluation.Results;
using Partages.NodeAgent.Engine.Bundles;
using Partages.NodeAgent.Engine.Datasets;
using Partages.NodeAgent.Engine.Inference;
using Partages.NodeAgent.Engine.Metrics;
using Partages.NodeAgent.Engine.Telemetry;
using Partages.NodeAgent.Engine.Tokenization;

namespace Partages.NodeAgent.Engine;

/// <summary>
/// Runs a single-label classification bundle over a JSONL dataset. Everything that can be checked before
/// reading a document is (task, dataset, bundle contents, labels, vocabulary, graph inputs and outputs) and
/// refused with a reason. Then two stages overlap: one task reads, validates and tokenizes documents into
/// batches, the other runs ONNX Runtime on them, joined by a bounded channel so memory stays flat. Only the
/// confusion matrix and the counts of skipped lines come out.
/// </summary>
public sealed class EvaluationEngine : IEvaluationEngine
{
    private readonly EvaluationEngineOptions _options;

    public EvaluationEngine()
        : this(new EvaluationEngineOptions())
    {
    }

    /// <exception cref="ArgumentException">The options are invalid; the message lists every problem.</exception>
    public EvaluationEngine(EvaluationEngineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid evaluation engine options: " + string.Join("; ", errors), nameof(options));
        }

        _options = options;
    }

    public Task<ResultDocument> EvaluateAsync(EvaluationJob job, IProgress<EvaluationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        // Session creation and tokenization are CPU-bound: keep them off the caller's thread from the start.
        return Task.Run(() => EvaluateCoreAsync(job, progress, cancellationToken), cancellationToken);
    }

    public Task<DatasetInfo> InspectAsync(DatasetDefinition dataset, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return Task.Run(
            () =>
            {
                using var stream = DatasetFile.OpenRead(dataset);
                var (documents, sha256) = DatasetScanner.Scan(stream, _options.MaxLineBytes, fingerprint: true, cancellationToken);
                return new DatasetInfo(dataset.Name, dataset.Format, documents, sha256!);
            },
            cancellationToken);
    }

    private async Task<ResultDocument> EvaluateCoreAsync(EvaluationJob job, IProgress<EvaluationProgress>? progress, CancellationToken cancellationToken)
    {
        using var activity = EngineTelemetry.ActivitySource.StartActivity("evaluate");
        activity?.SetTag("partages.task", job.Spec.Task);
        activity?.SetTag("partages.dataset", job.Dataset.Name);
        try
        {
            CheckTask(job.Spec.Task);
            // The dataset is checked before the bundle is unpacked: a missing file is the cheapest refusal.
            using (DatasetFile.OpenRead(job.Dataset))
            {
            }

            var bundle = BundleReader.Read(job.BundlePath, _options);
            var manifest = bundle.Manifest;
            activity?.SetTag("partages.model", $"{manifest.Name}@{manifest.Version}");
            if (manifest.Task != job.Spec.Task)
            {
                throw new EvaluationRefusedException($"the spec's task '{job.Spec.Task}' differs from the model's task '{manifest.Task}'");
            }

            var manifestToSpec = LabelMapping.ManifestToSpec(job.Spec, manifest);
            var encoder = BertEncoder.Create(bundle.Vocabulary, manifest);
            using var classifier = OnnxClassifier.Create(bundle.ModelBytes, manifest, _options);
            cancellationToken.ThrowIfCancellationRequested();

            long total;
            using (var countStream = DatasetFile.OpenRead(job.Dataset))
            {
                // A first, I/O-only pass so progress has a denominator; cheap next to inference.
                total = DatasetScanner.Scan(countStream, _options.MaxLineBytes, fingerprint: false, cancellationToken).Documents;
            }

            var result = await RunPipelineAsync(job, manifest, manifestToSpec, encoder, classifier, total, progress, cancellationToken).ConfigureAwait(false);
            activity?.SetTag("partages.documents.read", result.InputSummary.DocumentsRead);
            activity?.SetTag("partages.documents.evaluated", result.InputSummary.DocumentsEvaluated);
            return result;
        }
        catch (EvaluationRefusedException ex)
        {
            // Refusal reasons are written to be sent to the coordinator, so they are safe to put on a trace.
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            throw;
        }
        catch (OperationCanceledException)
        {
            activity?.SetStatus(ActivityStatusCode.Error, "cancelled");
            throw;
        }
    }

    private async Task<ResultDocument> RunPipelineAsync(
        EvaluationJob job,
        ModelManifest manifest,
        int[] manifestToSpec,
        BertEncoder encoder,
        OnnxClassifier classifier,
        long total,
        IProgress<EvaluationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var shape = classifier.Shape;
        var batchSize = shape.FixedBatchSize ?? _options.BatchSize;
        var builder = new TokenBatchBuilder(
            batchSize,
            fixedBatch: shape.FixedBatchSize is not null,
            shape.FixedSequenceLength,
            tokenTypeIds: manifest.Inputs.TokenTypeIds is not null,
            encoder);

        await using var stream = DatasetFile.OpenRead(job.Dataset);
        var reader = new JsonlDocumentReader(stream, job.Spec.Labels, _options.MaxLineBytes);
        var counts = new ClassificationCounts(job.Spec.Labels);
        var inferenceSkips = new SkipTally();
        var channel = Channel.CreateBounded<TokenBatch>(new BoundedChannelOptions(_options.PrefetchBatches)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });

        using var pipelineCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producer = Task.Run(() => ProduceAsync(reader, encoder, builder, channel.Writer, pipelineCancellation.Token), CancellationToken.None);
        var consumer = Task.Run(
            () => ConsumeAsync(channel.Reader, classifier, batchSize, manifestToSpec, counts, inferenceSkips, progress, total, pipelineCancellation),
            CancellationToken.None);
        await WhenBothAsync(producer, consumer, cancellationToken).ConfigureAwait(false);

        var lastReported = await consumer.ConfigureAwait(false);
        if (progress is not null && lastReported != reader.DocumentsRead)
        {
            progress.Report(new EvaluationProgress(reader.DocumentsRead, Math.Max(total, reader.DocumentsRead)));
        }

        var skipped = SkipTally.Merge(reader.Skipped, inferenceSkips);
        RecordMetrics(counts.DocumentCount, skipped);
        var summary = new InputSummary
        {
            DocumentsRead = reader.DocumentsRead,
            DocumentsEvaluated = counts.DocumentCount,
            Skipped = skipped,
        };
        return ResultDocument.FromCounts(job.Spec.Task, counts, summary);
    }

    /// <summary>Reads, validates and tokenizes documents into batches; completes the channel (with the error, if any).</summary>
    private static async Task ProduceAsync(
        JsonlDocumentReader reader,
        BertEncoder encoder,
        TokenBatchBuilder builder,
        ChannelWriter<TokenBatch> batches,
        CancellationToken cancellationToken)
    {
        try
        {
            while (reader.TryRead(out var document))
            {
                cancellationToken.ThrowIfCancellationRequested();
                builder.Add(encoder.Encode(document.Text), document.Label);
                if (builder.IsFull)
                {
                    await batches.WriteAsync(builder.Build(reader.DocumentsRead), cancellationToken).ConfigureAwait(false);
                }
            }

            if (builder.Count > 0)
            {
                await batches.WriteAsync(builder.Build(reader.DocumentsRead), cancellationToken).ConfigureAwait(false);
            }

            batches.TryComplete();
        }
        catch (Exception ex)
        {
            batches.TryComplete(ex);
            throw;
        }
    }

    /// <summary>Scores batches and accumulates the confusion matrix; on failure cancels the producer. Returns the last progress reported.</summary>
    private static async Task<long> ConsumeAsync(
        ChannelReader<TokenBatch> batches,
        OnnxClassifier classifier,
        int batchSize,
        int[] manifestToSpec,
        ClassificationCounts counts,
        SkipTally skips,
        IProgress<EvaluationProgress>? progress,
        long total,
        CancellationTokenSource pipelineCancellation)
    {
        var cancellationToken = pipelineCancellation.Token;
        var predictions = new int[batchSize];
        long lastReported = -1;
        try
        {
            await foreach (var batch in batches.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                // ReadAllAsync hands out buffered batches without looking at the token, so cancellation is checked here.
                cancellationToken.ThrowIfCancellationRequested();
                var started = Stopwatch.GetTimestamp();
                classifier.Predict(batch, predictions, cancellationToken);
                EngineTelemetry.BatchDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
                for (var row = 0; row < batch.Rows; row++)
                {
                    var predicted = predictions[row];
                    if (predicted == OnnxClassifier.NoPrediction)
                    {
                        skips.Add(SkipKinds.InvalidLogits);
                    }
                    else
                    {
                        counts.Add(batch.Labels[row], manifestToSpec[predicted]);
                    }
                }

                progress?.Report(new EvaluationProgress(batch.DocumentsRead, Math.Max(total, batch.DocumentsRead)));
                lastReported = batch.DocumentsRead;
            }

            return lastReported;
        }
        catch
        {
            await pipelineCancellation.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Awaits both stages. When one fails the other is cancelled and ends with an <see cref="OperationCanceledException"/>
    /// that only echoes the failure, so the first real cause is rethrown, not the echo.
    /// </summary>
    private static async Task WhenBothAsync(Task producer, Task consumer, CancellationToken cancellationToken)
    {
        try
        {
            await Task.WhenAll(producer, consumer).ConfigureAwait(false);
        }
        catch (Exception) when (producer.IsCompleted && consumer.IsCompleted)
        {
            var cause = new[] { consumer, producer }
                .Where(t => t.IsFaulted)
                .Select(t => t.Exception!.GetBaseException())
                .FirstOrDefault(e => e is not OperationCanceledException);
            if (cause is not null)
            {
                ExceptionDispatchInfo.Throw(cause);
            }

            cancellationToken.ThrowIfCancellationRequested();
            throw;
        }
    }

    private static void CheckTask(string task)
    {
        if (task != TaskTypes.SingleLabelClassification)
        {
            throw new EvaluationRefusedException($"task '{task}' is not supported by this engine (supported: {TaskTypes.SingleLabelClassification})");
        }
    }

    private static void RecordMetrics(long evaluated, IReadOnlyDictionary<string, long> skipped)
    {
        EngineTelemetry.DocumentsEvaluated.Add(evaluated);
        foreach (var (kind, count) in skipped)
        {
            EngineTelemetry.DocumentsSkipped.Add(count, new KeyValuePair<string, object?>("kind", kind));
        }
    }
}
