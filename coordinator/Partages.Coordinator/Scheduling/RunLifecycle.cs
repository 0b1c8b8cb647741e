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

    /// <summary>The state's name in the API, the dashboard, results and reasons: snake_case, like the proto's values (<see cref="States"/>).</summary>
    public static string Name(RunStatus status) => States.Runs.Of(status).Name;

    public static string Name(EvaluationStatus status) => States.Evaluations.Of(status).Name;

    public static RunState ToProto(RunStatus status) => States.Runs.Of(status).Wire;

    public static EvaluationState ToProto(EvaluationStatus status) => States.Evaluations.Of(status).Wire;
}
