using Partages.NodeAgent.Artifacts;
using Partages.NodeAgent.ReleaseGate;

namespace Partages.NodeAgent.Jobs;

/// <summary>How a run that did not succeed ended, as the job runner reports it: in its log, the audit log and to the coordinator.</summary>
internal enum RunEndKind
{
    /// <summary>The coordinator cancelled it.</summary>
    Cancelled,

    /// <summary>The agent stopped under it: handed back, not failed; the coordinator offers it again.</summary>
    HandedBack,

    /// <summary>A refusal or failure with a reason the node may state (refused, download, release, rejected by the hospital).</summary>
    Failed,

    /// <summary>Anything else: the coordinator hears only the generic category, the details stay in the node's log.</summary>
    InternalError,
}

/// <param name="Reason">The full reason, for the log and the audit log.</param>
/// <param name="Category">What the coordinator hears (<see cref="CoordinatorReasons"/>).</param>
internal sealed record RunEnding(RunEndKind Kind, string Reason, string Category, Exception? Exception = null)
{
    /// <summary>
    /// The one classification of an exception that ended a run: a cancellation the coordinator asked for; else a stop
    /// of the agent, whatever shape the cancellation took on its way out (the inference worker may surface it as its
    /// own error), out of memory aside; else a failure the node can name; else an internal error.
    /// </summary>
    public static RunEnding Of(Exception exception, RunStage stage, bool cancelRequested, bool stopping) => exception switch
    {
        OperationCanceledException when cancelRequested => new(RunEndKind.Cancelled, "cancelled by the coordinator", "", exception),
        not OutOfMemoryException when stopping && !cancelRequested => new(RunEndKind.HandedBack, JobRunner.HandedBackReason, JobRunner.HandedBackReason, exception),
        EvaluationRefusedException or ArtifactException or ResultRefusedException => new(RunEndKind.Failed, exception.Message, CoordinatorReasons.For(stage, exception), exception),
        _ => new(RunEndKind.InternalError, $"internal error ({exception.GetType().Name}; see the node log)", CoordinatorReasons.For(stage, exception), exception),
    };

    public NodeMessage ToMessage(string runId) => Kind switch
    {
        RunEndKind.Cancelled => new NodeMessage { Cancelled = new JobCancelled { RunId = runId } },
        RunEndKind.HandedBack => new NodeMessage { HandedBack = new JobHandedBack { RunId = runId, Reason = Category } },
        _ => new NodeMessage { Failed = new JobFailed { RunId = runId, Reason = Category } },
    };
}
