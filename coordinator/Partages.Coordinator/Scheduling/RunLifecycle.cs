using Partages.Contracts.V1;
using Partages.Coordinator.Persistence;

namespace Partages.Coordinator.Scheduling;

/// <summary>
/// The run lifecycle (docs/architecture.md): offline | queued → offered → accepted → [awaiting_approval] → downloading →
/// running → [awaiting_approval] → succeeded | failed | cancelled | rejected | not_participating. Final states never
/// change again.
/// </summary>
public static class RunLifecycle
{
    public static readonly RunStatus[] Open =
    [
        RunStatus.Queued, RunStatus.Offline, RunStatus.Offered, RunStatus.Accepted, RunStatus.AwaitingApproval,
        RunStatus.Downloading, RunStatus.Running,
    ];

    /// <summary>
    /// States in which the node holds the run (it was told about it and may be working on it). Each takes one of the
    /// node's max_concurrent_runs slots (OfferQueue).
    /// </summary>
    public static readonly RunStatus[] AtNode =
        [RunStatus.Offered, RunStatus.Accepted, RunStatus.AwaitingApproval, RunStatus.Downloading, RunStatus.Running];

    public static bool IsFinal(RunStatus status) =>
        status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled or RunStatus.Rejected or RunStatus.NotParticipating;

    public static bool IsFinal(EvaluationStatus status) => status != EvaluationStatus.Running;

    /// <summary>States whose time is shown as waiting (<c>waiting_since</c>): for a slot, for the node, for a person.</summary>
    public static bool IsWaiting(RunStatus status) => status is RunStatus.Queued or RunStatus.Offline or RunStatus.AwaitingApproval;

    public static bool HoldsSlot(RunStatus status) => Array.IndexOf(AtNode, status) >= 0;

    /// <summary>Order of the phases a node reports; -1 for states that are not phases.</summary>
    public static int PhaseRank(RunStatus status) => status switch
    {
        RunStatus.Queued or RunStatus.Offline => 0,
        RunStatus.Offered => 1,
        RunStatus.Accepted => 2,
        RunStatus.AwaitingApproval => 3,
        RunStatus.Downloading => 4,
        RunStatus.Running => 5,
        _ => -1,
    };

    /// <summary>The state's name in the API, the dashboard, results and reasons: snake_case, like the proto's values.</summary>
    public static string Name(RunStatus status) => status switch
    {
        RunStatus.AwaitingApproval => "awaiting_approval",
        RunStatus.NotParticipating => "not_participating",
        _ => status.ToString().ToLowerInvariant(),
    };

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
        RunStatus.AwaitingApproval => RunState.AwaitingApproval,
        RunStatus.Offline => RunState.Offline,
        RunStatus.NotParticipating => RunState.NotParticipating,
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
