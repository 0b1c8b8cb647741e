using System.Diagnostics;
using Partages.Evaluation.Bundles;
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
/// refused with a reason; then <see cref="EvaluationPipeline"/> reads, tokenizes and scores in overlapping
/// stages. Only the confusion matrix and the counts of skipped lines come out. Thread-safe: concurrent jobs
/// share nothing but the options.
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

            var (manifest, manifestToSpec, encoder, loadedClassifier) = Prepare(job);
            using var classifier = loadedClassifier;
            activity?.SetTag("partages.model", $"{manifest.Name}@{manifest.Version}");
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

    /// <summary>
    /// Opens the bundle and checks it against the job. Its own method so the bundle's bytes (the graph can be
    /// hundreds of megabytes) are unreachable once the session holds the model, instead of living as long as the run.
    /// </summary>
    private (ModelManifest Manifest, int[] ManifestToSpec, BertEncoder Encoder, OnnxClassifier Classifier) Prepare(EvaluationJob job)
    {
        var bundle = BundleReader.Read(job.BundlePath, _options);
        var manifest = bundle.Manifest;
        if (manifest.Task != job.Spec.Task)
        {
            throw new EvaluationRefusedException($"the spec's task '{job.Spec.Task}' differs from the model's task '{manifest.Task}'");
        }

        var manifestToSpec = LabelMapping.ManifestToSpec(job.Spec, manifest);
        var encoder = BertEncoder.Create(bundle.Vocabulary, manifest);
        return (manifest, manifestToSpec, encoder, OnnxClassifier.Create(bundle.ModelBytes, manifest, _options));
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
        await using var stream = DatasetFile.OpenRead(job.Dataset);
        var reader = new JsonlDocumentReader(stream, job.Spec.Labels, _options.MaxLineBytes);
        var pipeline = new EvaluationPipeline(_options, encoder, classifier, manifestToSpec, tokenTypeIds: manifest.Inputs.TokenTypeIds is not null);
        var (counts, summary) = await pipeline.RunAsync(reader, job.Spec.Labels, total, progress, cancellationToken).ConfigureAwait(false);
        RecordMetrics(counts.DocumentCount, summary.Skipped);
        return ResultDocument.FromCounts(job.Spec.Task, counts, summary);
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
