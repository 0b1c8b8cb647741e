using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Partages.Coordinator.Telemetry;

/// <summary>
/// The coordinator's own spans and counters (the gauges that read live state are in <see cref="CoordinatorGauges"/>).
/// Spans follow one evaluation: submission → one offer per run → (the node's job) → result intake → pooling.
/// Tags hold ids, hashes, node names and counts; never a result payload, a document or report text.
/// </summary>
public static class CoordinatorTelemetry
{
    public const string Name = "Partages.Coordinator";

    /// <summary>The evaluator's SubmitEvaluation, inside its gRPC server span; its context is stored with the evaluation.</summary>
    public const string SubmissionSpan = "evaluation.submit";

    /// <summary>One run offered to its node; its context travels in <c>JobOffer.trace_parent</c> and parents the node's job span.</summary>
    public const string OfferSpan = "run.offer";

    /// <summary>A node's SubmitResult, inside the gRPC server span that continues the node's trace.</summary>
    public const string IntakeSpan = "result.intake";

    /// <summary>The evaluation closes: site results pooled (or the evaluation failed).</summary>
    public const string PoolingSpan = "evaluation.pool";

    public static readonly ActivitySource ActivitySource = new(Name);

    private static readonly Meter Meter = new(Name);

    public static readonly Counter<long> RunsFinished = Meter.CreateCounter<long>("partages.runs.finished", description: "Runs that reached a final state, by state.");

    public static readonly Counter<long> EvaluationsFinished = Meter.CreateCounter<long>("partages.evaluations.finished", description: "Evaluations that reached a final state, by state (completed, failed, cancelled).");

    public static readonly Counter<long> ArtifactBytesServed = Meter.CreateCounter<long>("partages.artifacts.bytes_served", unit: "By", description: "Artifact bytes sent to nodes.");

    public static readonly Counter<long> DocumentsProcessed = Meter.CreateCounter<long>(
        "partages.documents.processed", description: "Documents the nodes report as processed (progress, then the final count at result intake), by node; rate() gives documents per second.");

    public static readonly Counter<double> EpsilonReleased = Meter.CreateCounter<double>(
        "partages.release_gate.epsilon", description: "ε the nodes' release gates spent on the results they released (differential privacy), by node; releases of exact counts add nothing.");

    public static readonly Counter<long> ExactReleases = Meter.CreateCounter<long>(
        "partages.release_gate.exact_releases", description: "Results released as exact counts because the hospital switched differential privacy off for the dataset, by node.");

    /// <summary>Starts the submission span (null when nobody listens).</summary>
    public static Activity? StartSubmission() => ActivitySource.StartActivity(SubmissionSpan);

    /// <summary>
    /// The W3C <c>traceparent</c> to store with a new evaluation: the submission span's, or the request's when the
    /// span is not recorded; empty when there is no trace at all.
    /// </summary>
    public static string TraceParentOf(Activity? submission) => W3C(submission ?? Activity.Current);

    /// <summary>
    /// Records the offer of one run as a short span under the evaluation's stored trace context and returns the
    /// <c>traceparent</c> to put in the offer: the offer span's, or the evaluation's own when the span is not recorded.
    /// Offers sent again after a reconnect, long after the submission, still join the evaluation's trace.
    /// </summary>
    public static string OfferTraceParent(string evaluationTraceParent, string evaluationId, string runId, string node)
    {
        ActivityContext.TryParse(evaluationTraceParent, null, out var parent);
        using var offer = ActivitySource.StartActivity(OfferSpan, ActivityKind.Producer, parent);
        offer?.SetTag("partages.evaluation_id", evaluationId);
        offer?.SetTag("partages.run_id", runId);
        offer?.SetTag("partages.node", node);
        return offer is null ? evaluationTraceParent ?? "" : W3C(offer);
    }

    /// <summary>Starts the result-intake span, a child of SubmitResult's server span (so of the node's job).</summary>
    public static Activity? StartIntake(string runId, string node, string resultSha256)
    {
        var intake = ActivitySource.StartActivity(IntakeSpan);
        intake?.SetTag("partages.run_id", runId);
        intake?.SetTag("partages.node", node);
        intake?.SetTag("partages.result_sha256", resultSha256);
        return intake;
    }

    /// <summary>Starts the pooling span of an evaluation that is closing.</summary>
    public static Activity? StartPooling(string evaluationId)
    {
        var pooling = ActivitySource.StartActivity(PoolingSpan);
        pooling?.SetTag("partages.evaluation_id", evaluationId);
        return pooling;
    }

    /// <summary>
    /// Counts the documents a RUNNING progress report adds, before the run takes the report's numbers. While the run
    /// is still downloading its <c>done</c> counts bytes, so it is not subtracted.
    /// </summary>
    public static void RecordProgress(RunEntity run, JobProgress progress)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(progress);
        if (progress.Phase != JobPhase.Running)
        {
            return;
        }

        var before = run.Status == RunStatus.Running ? run.Done : 0;
        if (progress.Done > before)
        {
            DocumentsProcessed.Add(progress.Done - before, new KeyValuePair<string, object?>("node", run.NodeName));
        }
    }

    /// <summary>
    /// At intake of a valid result: the documents read since the last progress report (nodes drop their last
    /// progress once the result is ready), and the release gate's suppressed cells if the result says how many.
    /// </summary>
    public static void RecordResult(RunEntity run, ReleasedFigures figures)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(figures);
        var node = new KeyValuePair<string, object?>("node", run.NodeName);
        var before = run.Status == RunStatus.Running ? run.Done : 0;
        if (figures.DocumentsRead is { } read && read > before)
        {
            DocumentsProcessed.Add(read - before, node);
        }

        if (figures.Epsilon is { } epsilon)
        {
            EpsilonReleased.Add(epsilon, node);
        }
        else if (figures.DocumentsRead is not null)
        {
            ExactReleases.Add(1, node);
        }
    }

    private static string W3C(Activity? activity) =>
        activity is { IdFormat: ActivityIdFormat.W3C, Id: { } id } ? id : "";
}
