using System.Diagnostics;
using System.Runtime;
using Partages.NodeAgent.Engine.Bundles;
using Partages.Evaluation.Robustness;
using Partages.NodeAgent.Engine.Metrics;
using Partages.NodeAgent.Engine.Robustness;
using Partages.NodeAgent.Engine.Tasks;
using Partages.NodeAgent.Engine.Telemetry;

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
        return RunAsync(job, plan, observer, predictions: null, progress, cancellationToken);
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
        // Built exactly as EvaluateAsync builds it, so local mode prints what a node would hand to its release gate.
        return RunAsync(job, RunPlan.Full, null, predictions, progress, cancellationToken);
    }

    /// <summary>Runs the job on its task's engine side (<see cref="EngineTasks"/>), then its robustness suite if the spec lists one.</summary>
    private Task<ResultDocument> RunAsync(
        EvaluationJob job,
        RunPlan plan,
        IInferenceObserver? observer,
        IPredictionSink? predictions,
        IProgress<EvaluationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var task = EngineTasks.Get(job.Spec.Task);
        if (job.Spec.Robustness.Count == 0)
        {
            // Session creation and tokenization are CPU-bound: keep them off the caller's thread from the start.
            var run = new EngineRun(this, _options, job, plan, observer, predictions, progress, cancellationToken);
            return Task.Run(() => task.RunAsync(run), cancellationToken);
        }

        return Task.Run(() => RunSuiteAsync(task, job, plan, observer, predictions, progress, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// The clean run, then one pass per perturbation (docs/data-quality.md, "Robustness"): each pass reads the dataset
    /// again with every report rewritten, is scored as the clean run is, and is paired with it unit by unit. The
    /// passes are not checkpointed: a run resumed after its inference worker was replaced is refused rather than
    /// released without its suite.
    /// </summary>
    private async Task<ResultDocument> RunSuiteAsync(
        EngineTask task,
        EvaluationJob job,
        RunPlan plan,
        IInferenceObserver? observer,
        IPredictionSink? predictions,
        IProgress<EvaluationProgress>? progress,
        CancellationToken cancellationToken)
    {
        if (plan.StartLine != 0 || plan.StartDocument != 0)
        {
            throw new EvaluationRefusedException("a run with a robustness suite cannot resume after its inference worker was replaced; it is failed rather than released without its perturbations");
        }

        var clean = new CleanOutcomes(predictions, job.Spec.Labels, job.MaxEntitiesPerReport);
        var cleanResult = await task.RunAsync(new EngineRun(this, _options, job, plan, observer, clean, progress, cancellationToken)).ConfigureAwait(false);
        var entities = Evaluation.Tasks.TaskRegistry.Get(job.Spec.Task).CountsEntities;
        var outcomes = new List<PerturbationResult>();
        foreach (var check in job.Spec.Robustness)
        {
            var pass = new PerturbationPass(check, clean);
            var perturbedJob = job with { Perturbation = pass };
            var perturbed = await task.RunAsync(new EngineRun(this, _options, perturbedJob, RunPlan.Full, null, pass, null, cancellationToken)).ConfigureAwait(false);
            outcomes.Add(pass.ToResult(perturbed, entities));
        }

        return RobustnessResults.Attach(cleanResult, outcomes);
    }

    /// <summary>
    /// A document classification job (<see cref="ClassificationEngineTask"/>): reads, tokenizes and scores in
    /// overlapping stages (<see cref="EvaluationPipeline"/>), the task's scorer holding the statistics.
    /// Multi-label results are results/v1 documents too: per-label counts, label co-occurrence and multi_label (docs/results-schema.md).
    /// </summary>
    internal async Task<ResultDocument> ClassifyAsync(ClassificationEngineTask task, EngineRun run)
    {
        var (scorer, summary) = await EvaluateCoreAsync(task, run).ConfigureAwait(false);
        return scorer.ToResult(run.Job.Spec.Task, summary);
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

    private async Task<(TaskScorer Scorer, InputSummary Summary)> EvaluateCoreAsync(ClassificationEngineTask task, EngineRun run)
    {
        var (job, progress, cancellationToken) = (run.Job, run.Progress, run.CancellationToken);
        using var activity = EngineTelemetry.ActivitySource.StartActivity("evaluate");
        activity?.SetTag("partages.task", job.Spec.Task);
        activity?.SetTag("partages.dataset", job.Dataset.Name);
        try
        {
            // The dataset is checked before the bundle is unpacked: a missing file is the cheapest refusal.
            DatasetFile.CheckReadable(job.Dataset, job.Spec.Task, task.Gold);

            var (manifest, manifestToSpec, encoder, loadedClassifier) = Prepare(job);
            using var classifier = loadedClassifier;
            ReleaseGraphBytes();
            activity?.SetTag("partages.model", $"{manifest.Name}@{manifest.Version}");
            cancellationToken.ThrowIfCancellationRequested();

            // A first, I/O-only pass so progress has a denominator; cheap next to inference.
            var total = DatasetScanner.Scan(job.Dataset, _options.MaxLineBytes, fingerprint: false, cancellationToken).Documents;

            var result = await RunPipelineAsync(task, manifest, manifestToSpec, encoder, classifier, total, run).ConfigureAwait(false);
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
        ClassificationEngineTask task,
        ModelManifest manifest,
        int[] manifestToSpec,
        TextEncoder encoder,
        OnnxClassifier classifier,
        long total,
        EngineRun run)
    {
        var job = run.Job;
        var scorer = task.CreateScorer(job.Spec.Labels, manifestToSpec, manifest, run.Predictions);
        await using var stream = DatasetFile.OpenRead(job.Dataset);
        var reader = job.Read(DatasetFile.CreateReader(job.Dataset, stream, job.Spec.Labels, task.Gold, _options.MaxLineBytes));
        var pipeline = new EvaluationPipeline(
            _options,
            encoder,
            classifier,
            scorer,
            manifest.WindowAggregation,
            tokenTypeIds: manifest.Inputs.TokenTypeIds is not null,
            run.Plan,
            run.Observer,
            summary => scorer.ToResult(job.Spec.Task, summary));
        var summary = await pipeline.RunAsync(reader, total, run.Progress, run.CancellationToken).ConfigureAwait(false);
        RecordMetrics(summary.DocumentsEvaluated, summary.Skipped);
        return (scorer, summary);
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
