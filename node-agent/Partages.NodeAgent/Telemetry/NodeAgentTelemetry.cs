using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Partages.NodeAgent.Telemetry;

/// <summary>
/// The agent's spans and counters. A job's spans continue the evaluation's trace: the job span's parent is the
/// offer's <c>trace_parent</c> (the coordinator's offer span), and the result's SubmitResult call carries the job's
/// context back in its gRPC metadata. Tags hold ids, hashes, names and counts; never report text or document ids.
/// </summary>
public static class NodeAgentTelemetry
{
    public const string Name = "Partages.NodeAgent";

    public const string JobSpan = "job";
    public const string DownloadSpan = "download";
    public const string EvaluateSpan = "evaluate";
    public const string ReleaseSpan = "release";

    /// <summary>The tag on the job span (and the counter) naming how the job ended.</summary>
    public const string OutcomeTag = "partages.outcome";

    public static readonly ActivitySource ActivitySource = new(Name);

    private static readonly Meter Meter = new(Name);

    public static readonly Counter<long> JobsFinished = Meter.CreateCounter<long>(
        "partages.node.jobs.finished", description: "Jobs that ended on this node, by outcome (succeeded, failed, cancelled, rejected).");

    /// <summary>
    /// Sees every message the job runner sends: one that ends a job (failed, cancelled, rejected), sent from that
    /// job's own flow, sets the job span's outcome and error status. Returns the message unchanged.
    /// </summary>
    public static NodeMessage Observe(NodeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var job = JobTrace.CurrentJob();
        if (job is null)
        {
            return message;
        }

        // Reasons are written to be sent to the coordinator (never report text), so they are safe on a span.
        switch (message.KindCase)
        {
            case NodeMessage.KindOneofCase.Failed:
                job.Fail("failed", message.Failed.Reason);
                break;
            case NodeMessage.KindOneofCase.Rejected:
                job.Fail("rejected", message.Rejected.Reason);
                break;
            case NodeMessage.KindOneofCase.Cancelled:
                job.Fail("cancelled", "cancelled");
                break;
            case NodeMessage.KindOneofCase.HandedBack:
                job.Fail("handed_back", message.HandedBack.Reason);
                break;
        }

        return message;
    }
}

/// <summary>
/// One job's spans: <c>job</c> with its phases <c>download</c>, <c>evaluate</c>, <c>release</c> as children, one
/// after the other. Made current in the job's own flow, so the engine's spans and the gRPC calls nest under the phase.
/// </summary>
public sealed class JobTrace : IDisposable
{
    // The job whose flow is running; set by Start, a plain method, so the value stays in the caller's flow.
    private static readonly AsyncLocal<JobTrace?> Current = new();

    private readonly Activity? _job;
    private Activity? _phase;
    private string _outcome = "succeeded";

    private JobTrace(Activity? job) => _job = job;

    /// <summary>Starts the job span under the offer's trace context (or as a new trace when the offer carries none).</summary>
    public static JobTrace Start(JobOffer offer)
    {
        ArgumentNullException.ThrowIfNull(offer);
        ActivityContext.TryParse(offer.TraceParent, null, out var parent);
        // Without a parent from the offer, start a new trace rather than nest under whatever span the flow that
        // delivered the offer carried (the long-lived session stream's).
        Activity.Current = null;
        var job = NodeAgentTelemetry.ActivitySource.StartActivity(NodeAgentTelemetry.JobSpan, ActivityKind.Consumer, parent);
        job?.SetTag("partages.run_id", offer.RunId);
        job?.SetTag("partages.evaluation_id", offer.EvaluationId);
        job?.SetTag("partages.spec_sha256", offer.SpecSha256);
        job?.SetTag("partages.model_bundle_sha256", offer.ModelBundle?.Sha256);
        job?.SetTag("partages.dataset", offer.Dataset);
        var trace = new JobTrace(job);
        Current.Value = trace;
        return trace;
    }

    /// <summary>Ends the current phase (if any) and starts the next one as a child of the job span.</summary>
    public void Phase(string name)
    {
        EndPhase();
        if (_job is not null)
        {
            _phase = NodeAgentTelemetry.ActivitySource.StartActivity(name, ActivityKind.Internal, _job.Context);
        }
    }

    /// <summary>The job whose flow is running now (null outside a job).</summary>
    internal static JobTrace? CurrentJob() => Current.Value;

    internal void Fail(string outcome, string description)
    {
        _outcome = outcome;
        _phase?.SetStatus(ActivityStatusCode.Error, description);
        _job?.SetStatus(ActivityStatusCode.Error, description);
    }

    public void Dispose()
    {
        EndPhase();
        NodeAgentTelemetry.JobsFinished.Add(1, new KeyValuePair<string, object?>(NodeAgentTelemetry.OutcomeTag, _outcome));
        if (_job is not null)
        {
            _job.SetTag(NodeAgentTelemetry.OutcomeTag, _outcome);
            _job.Dispose();
        }

        if (ReferenceEquals(Current.Value, this))
        {
            Current.Value = null;
        }
    }

    private void EndPhase()
    {
        if (_phase is not null)
        {
            _phase.Dispose();
            _phase = null;
            // Stopping a span makes its parent current only if it was current itself; be explicit.
            Activity.Current = _job;
        }
    }
}
