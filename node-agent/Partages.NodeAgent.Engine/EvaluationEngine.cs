using System.Diagnostics;
using System.Runtime;
using Partages.Evaluation.Bundles;
using Partages.Evaluation.Metrics;
using Partages.Evaluation.Results;
using Partages.NodeAgent.Engine.Bundles;
using Partages.NodeAgent.Engine.Datasets;
using Partages.NodeAgent.Engine.Inference;
using Partages.NodeAgent.Engine.LocalMode;
using Partages.NodeAgent.Engine.Metrics;
using Partages.NodeAgent.Engine.Resilience;
using Partages.NodeAgent.Engine.Scoring;
using Partages.NodeAgent.Engine.Telemetry;
using Partages.NodeAgent.Engine.Tokenization;

namespace Partages.NodeAgent.Engine;

/// <summary>
/// Runs a classification bundle over a dataset (JSONL or CSV). Everything that can be checked before
/// reading a document is (task, dataset, bundle contents, labels, vocabulary, graph inputs and outputs) and
/// refused with a reason; then <see cref="EvaluationPipeline"/> reads, tokenizes and scores in overlapping
/// stages. Only sufficient statistics (a confusion matrix, or per-label counts for a multi-label task) and the
/// counts of skipped documents come out. A report that makes the model fail, run out of memory or outlast
/// <see cref="EvaluationEngineOptions.BatchTimeoutSeconds"/> costs its own document (<c>inference_failed</c>), never
/// the run. Thread-safe: concurrent jobs share nothing but the options.
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

    public Task<ResultDocument> EvaluateAsync(EvaluationJob job, IProgress<EvaluationProgress>? progress, CancellationToken cancellationToken) =>
        EvaluateAsync(job, RunPlan.Full, null, progress, cancellationToken);

    /// <summary>
    /// The part of a run <paramref name="plan"/> asks for — all of it, or the rest after a checkpoint with some
    /// documents isolated or counted failed — telling <paramref name="observer"/> where it stands (the inference
    /// worker's entry point: its agent restarts it after a death, <see cref="RunPlan"/>). The result counts the
    /// segment only; <see cref="SegmentResults.Merge"/> adds segments up.
    /// </summary>
    /// <exception cref="EvaluationRefusedException">The job cannot run (decided before any report is read, except a dataset file that is not of its format).</exception>
    public Task<ResultDocument> EvaluateAsync(
        EvaluationJob job,
        RunPlan plan,
        IInferenceObserver? observer,
        IProgress<EvaluationProgress>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(plan);
        var run = new RunRequest(plan, observer, null);
        if (job.Spec.Task == TaskTypes.TokenClassification)
        {
            // Entity recognition has its own path (docs/ner.md); its result is a ResultDocument with schemes and seqeval.
            return Task.Run(() => NerEvaluation.Run(job, _options, plan, observer, progress, cancellationToken), cancellationToken);
        }

        // Session creation and tokenization are CPU-bound: keep them off the caller's thread from the start.
        // Multi-label results are results/v1 documents too: per-label counts, label co-occurrence and multi_label (docs/results-schema.md).
        var entryTask = job.Spec.Task == TaskTypes.MultiLabelClassification ? TaskTypes.MultiLabelClassification : TaskTypes.SingleLabelClassification;
        return Task.Run(
            async () =>
            {
                var (scorer, summary) = await EvaluateCoreAsync(job, entryTask, run, progress, cancellationToken).ConfigureAwait(false);
                return Build(job, scorer, summary);
            },
            cancellationToken);
    }

    /// <summary>
    /// Local mode (the agent's <c>evaluate</c> command): runs a job of any task and returns the same results/v1
    /// document <see cref="EvaluateAsync"/> would (multi-label included), and hands every scored classification
    /// document to <paramref name="predictions"/> when given. Deliberately not on <see cref="IEvaluationEngine"/>: the
    /// job runner, which serves the coordinator, cannot ask for per-document output.
    /// </summary>
    /// <exception cref="EvaluationRefusedException">The job cannot run.</exception>
    public Task<ResultDocument> EvaluateLocallyAsync(
        EvaluationJob job,
        IPredictionSink? predictions,
        IProgress<EvaluationProgress>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.Spec.Task == TaskTypes.TokenClassification)
        {
            if (predictions is not null)
            {
                throw new EvaluationRefusedException($"per-document predictions are not written for task '{job.Spec.Task}' yet; run it without a predictions file");
            }

            return Task.Run(() => NerEvaluation.Run(job, _options, RunPlan.Full, null, progress, cancellationToken), cancellationToken);
        }

        return Task.Run(
            async () =>
            {
                var (scorer, summary) = await EvaluateCoreAsync(job, job.Spec.Task, new RunRequest(RunPlan.Full, null, predictions), progress, cancellationToken).ConfigureAwait(false);
                // Built exactly as EvaluateAsync builds it, so local mode prints what a node would hand to its release gate.
                return Build(job, scorer, summary);
            },
            cancellationToken);
    }

    public Task<DatasetInfo> InspectAsync(DatasetDefinition dataset, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return Task.Run(
            () =>
            {
                var (documents, sha256) = DatasetScanner.Scan(dataset, _options.MaxLineBytes, fingerprint: true, cancellationToken);
                return new DatasetInfo(dataset.Name, dataset.Format, documents, sha256!);
            },
            cancellationToken);
    }

    /// <summary>The task's result from the scorer's statistics so far (at the end, or at a checkpoint).</summary>
    private static ResultDocument Build(EvaluationJob job, TaskScorer scorer, InputSummary summary) => scorer is MultiLabelScorer multiLabel
        ? MultiLabelResults.Build(job.Spec.Task, multiLabel.Threshold, multiLabel.Counts.Statistics, summary)
        : ResultDocument.FromStatistics(job.Spec.Task, ((SingleLabelScorer)scorer).Counts, ((SingleLabelScorer)scorer).Histograms, ((SingleLabelScorer)scorer).Calibration, summary);

    private async Task<(TaskScorer Scorer, InputSummary Summary)> EvaluateCoreAsync(
        EvaluationJob job,
        string entryTask,
        RunRequest run,
        IProgress<EvaluationProgress>? progress,
        CancellationToken cancellationToken)
    {
        using var activity = EngineTelemetry.ActivitySource.StartActivity("evaluate");
        activity?.SetTag("partages.task", job.Spec.Task);
        activity?.SetTag("partages.dataset", job.Dataset.Name);
        try
        {
            CheckTask(job.Spec.Task, entryTask);
            // The dataset is checked before the bundle is unpacked: a missing file is the cheapest refusal.
            DatasetFile.CheckReadable(job.Dataset, job.Spec.Task);

            var (manifest, manifestToSpec, encoder, loadedClassifier) = Prepare(job);
            using var classifier = loadedClassifier;
            ReleaseGraphBytes();
            activity?.SetTag("partages.model", $"{manifest.Name}@{manifest.Version}");
            cancellationToken.ThrowIfCancellationRequested();

            // A first, I/O-only pass so progress has a denominator; cheap next to inference.
            var total = DatasetScanner.Scan(job.Dataset, _options.MaxLineBytes, fingerprint: false, cancellationToken).Documents;

            var result = await RunPipelineAsync(job, manifest, manifestToSpec, encoder, classifier, total, run, progress, cancellationToken).ConfigureAwait(false);
            activity?.SetTag("partages.documents.read", result.Summary.DocumentsRead);
            activity?.SetTag("partages.documents.evaluated", result.Summary.DocumentsEvaluated);
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
    /// Returns the bundle's graph bytes to the system now that the session holds its own copy. They are unreachable
    /// after <see cref="Prepare"/>, but a large-object array is only freed by a full collection, which a run that
    /// allocates little rarely triggers: measured on all-MiniLM-L6-v2 (issue 15), 86 MiB stayed on the managed heap
    /// for the whole run. One blocking collection, once per job, costs milliseconds.
    /// </summary>
    private static void ReleaseGraphBytes()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    }

    /// <summary>
    /// Opens the bundle and checks it against the job. Its own method so the bundle's bytes (the graph can be
    /// hundreds of megabytes) are unreachable once the session holds the model, instead of living as long as the run.
    /// </summary>
    private (ModelManifest Manifest, int[] ManifestToSpec, TextEncoder Encoder, OnnxClassifier Classifier) Prepare(EvaluationJob job)
    {
        var bundle = BundleReader.Read(job.BundlePath, _options);
        var manifest = bundle.Manifest;
        if (manifest.Task != job.Spec.Task)
        {
            throw new EvaluationRefusedException($"the spec's task '{job.Spec.Task}' differs from the model's task '{manifest.Task}'");
        }

        var manifestToSpec = LabelMapping.ManifestToSpec(job.Spec, manifest);
        return (manifest, manifestToSpec, bundle.Encoder, OnnxClassifier.Create(bundle.ModelBytes, manifest, _options));
    }

    private async Task<(TaskScorer Scorer, InputSummary Summary)> RunPipelineAsync(
        EvaluationJob job,
        ModelManifest manifest,
        int[] manifestToSpec,
        TextEncoder encoder,
        OnnxClassifier classifier,
        long total,
        RunRequest run,
        IProgress<EvaluationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var predictions = run.Predictions;
        TaskScorer scorer = job.Spec.Task == TaskTypes.MultiLabelClassification
            ? new MultiLabelScorer(new MultiLabelCounts(job.Spec.Labels), manifestToSpec, manifest.Threshold) { Labels = job.Spec.Labels, Predictions = predictions }
            : new SingleLabelScorer(new ClassificationCounts(job.Spec.Labels), manifestToSpec) { Labels = job.Spec.Labels, Predictions = predictions };
        var gold = job.Spec.Task == TaskTypes.MultiLabelClassification ? GoldKind.MultiLabel : GoldKind.SingleLabel;
        await using var stream = DatasetFile.OpenRead(job.Dataset);
        var reader = DatasetFile.CreateReader(job.Dataset, stream, job.Spec.Labels, gold, _options.MaxLineBytes);
        var pipeline = new EvaluationPipeline(
            _options,
            encoder,
            classifier,
            scorer,
            manifest.WindowAggregation,
            tokenTypeIds: manifest.Inputs.TokenTypeIds is not null,
            run.Plan,
            run.Observer,
            summary => Build(job, scorer, summary));
        var summary = await pipeline.RunAsync(reader, total, progress, cancellationToken).ConfigureAwait(false);
        RecordMetrics(summary.DocumentsEvaluated, summary.Skipped);
        return (scorer, summary);
    }

    /// <summary>The spec's task must be one this engine runs, and the one of the entry point called.</summary>
    private static void CheckTask(string task, string entryTask)
    {
        if (task != TaskTypes.SingleLabelClassification && task != TaskTypes.MultiLabelClassification)
        {
            throw new EvaluationRefusedException(
                $"task '{task}' is not supported by this engine (supported: {TaskTypes.SingleLabelClassification}, {TaskTypes.MultiLabelClassification})");
        }

        if (task != entryTask)
        {
            throw new EvaluationRefusedException($"task '{task}' cannot run on the {entryTask} path");
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

    /// <summary>What a run is asked besides the job: which part (<see cref="RunPlan"/>), who watches it, where local mode's predictions go.</summary>
    private sealed record RunRequest(RunPlan Plan, IInferenceObserver? Observer, IPredictionSink? Predictions);
}
