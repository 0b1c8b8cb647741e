using System.Collections.Frozen;

namespace Partages.Coordinator.Scheduling;

/// <summary>
/// One state as every layer knows it: the stored enum value, the protobuf value, its wire name (JSON API, results,
/// reasons, dashboard <c>data-state</c>), and how the dashboard shows it (a word and a symbol as well as a colour, so it
/// reads without colour vision).
/// </summary>
public sealed record StateInfo<TStatus, TWire>(TStatus Status, TWire Wire, string Name, string Label, string Symbol, string Tone)
    where TStatus : struct, Enum
    where TWire : struct, Enum;

/// <summary>A closed set of states, looked up by stored value; every value of <typeparamref name="TStatus"/> has a row.</summary>
public sealed class StateTable<TStatus, TWire>
    where TStatus : struct, Enum
    where TWire : struct, Enum
{
    private readonly FrozenDictionary<TStatus, StateInfo<TStatus, TWire>> _byStatus;

    public StateTable(params StateInfo<TStatus, TWire>[] rows)
    {
        All = rows;
        _byStatus = rows.ToFrozenDictionary(r => r.Status);
        var missing = Enum.GetValues<TStatus>().Where(s => !_byStatus.ContainsKey(s)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException($"{typeof(TStatus).Name}: {string.Join(", ", missing)} without a row in the state table.");
        }
    }

    public IReadOnlyList<StateInfo<TStatus, TWire>> All { get; }

    public StateInfo<TStatus, TWire> Of(TStatus status) => _byStatus[status];
}

/// <summary>
/// The run and evaluation states, once: RunLifecycle's names and protobuf mapping, the dashboard's badges
/// (Dashboard/Pages/StateBadge) and its script (which receives this table from the server) all read it.
/// </summary>
public static class States
{
    public static readonly StateTable<RunStatus, RunState> Runs = new(
        new(RunStatus.Queued, RunState.Queued, "queued", "Queued", "…", "waiting"),
        new(RunStatus.Offered, RunState.Offered, "offered", "Offered", "→", "waiting"),
        new(RunStatus.Accepted, RunState.Accepted, "accepted", "Accepted", "→", "active"),
        new(RunStatus.Downloading, RunState.Downloading, "downloading", "Downloading", "↓", "active"),
        new(RunStatus.Running, RunState.Running, "running", "Running", "▶", "active"),
        new(RunStatus.Succeeded, RunState.Succeeded, "succeeded", "Succeeded", "✓", "good"),
        new(RunStatus.Failed, RunState.Failed, "failed", "Failed", "✕", "bad"),
        new(RunStatus.Cancelled, RunState.Cancelled, "cancelled", "Cancelled", "■", "muted"),
        new(RunStatus.Rejected, RunState.Rejected, "rejected", "Rejected", "⊘", "bad"),
        new(RunStatus.AwaitingApproval, RunState.AwaitingApproval, "awaiting_approval", "Awaiting approval", "⏸", "waiting"),
        // Waiting for its node, offline at submission: shown like an offline node.
        new(RunStatus.Offline, RunState.Offline, "offline", "Offline", "○", "bad"),
        new(RunStatus.NotParticipating, RunState.NotParticipating, "not_participating", "Not participating", "○", "muted"));

    public static readonly StateTable<EvaluationStatus, EvaluationState> Evaluations = new(
        new(EvaluationStatus.Running, EvaluationState.Running, "running", "Running", "▶", "active"),
        new(EvaluationStatus.Completed, EvaluationState.Completed, "completed", "Completed", "✓", "good"),
        new(EvaluationStatus.Failed, EvaluationState.Failed, "failed", "Failed", "✕", "bad"),
        new(EvaluationStatus.Cancelled, EvaluationState.Cancelled, "cancelled", "Cancelled", "■", "muted"));
}
