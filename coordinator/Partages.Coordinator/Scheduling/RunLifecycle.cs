using Partages.Contracts.V1;
using Partages.Coordinator.Persistence;

namespace Partages.Coordinator.Scheduling;

/// <summary>
/// The run lifecycle (docs/architecture.md): queued → offered → accepted → downloading → running →
/// succeeded | failed | cancelled | rejected. Final states never change again.
/// </summary>
public static class RunLifecycle
{
    public static readonly RunStatus[] Open =
        [RunStatus.Queued, RunStatus.Offered, RunStatus.Accepted, RunStatus.Downloading, RunStatus.Running];

    /// <summary>States in which the node holds the run (it was told about it and may be working on it).</summary>
    public static readonly RunStatus[] AtNode =
        [RunStatus.Offered, RunStatus.Accepted, RunStatus.Downloading, RunStatus.Running];

    public static bool IsFinal(RunStatus status) => status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled or RunStatus.Rejected;

    public static bool IsFinal(EvaluationStatus status) => status != EvaluationStatus.Running;

    public static RunState ToProto(RunStatus status) => status switch
    {
        RunStatus.Queued => RunState.Queued,
        RunStatus.Offered => RunState.Offered,
        RunStatus.Accepted => RunState.Accepted,
        RunStatus.Downloading => RunState.Downloading,
        RunStatus.Running => RunState.Running,
        RunStatus.Succeeded => RunState.Succeeded,
        RunStatus.Failed => RunState.Failed,
        RunStatus.Cancelled => RunState.Cancelled,
        RunStatus.Rejected => RunState.Rejected,
        _ => RunState.Unspecified,
    };

    public static EvaluationState ToProto(EvaluationStatus status) => status switch
    {
        EvaluationStatus.Running => EvaluationState.Running,
        EvaluationStatus.Completed => EvaluationState.Completed,
        EvaluationStatus.Failed => EvaluationState.Failed,
        EvaluationStatus.Cancelled => EvaluationState.Cancelled,
        _ => EvaluationState.Unspecified,
    };
}
