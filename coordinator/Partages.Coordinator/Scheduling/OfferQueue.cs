namespace Partages.Coordinator.Scheduling;

/// <summary>
/// Offers to a busy node wait at the coordinator instead of being refused by the node: a node takes at most the
/// max_concurrent_runs of its hello at once (learned lower from a "busy" refusal), every run it holds takes a slot, and
/// the runs waiting for it (queued, or offline until it connected) are offered oldest first as slots free up.
/// </summary>
public static class OfferQueue
{
    /// <summary>What the node says (CoordinatorReasons.AtCapacity on the node) when it has no free slot.</summary>
    public const string BusyReason = "the node is running as many jobs as it may";

    /// <summary>Why a run refused as busy waits again.</summary>
    public const string RequeuedBusyReason = "queued: the node was busy; offered when one of its runs ends";

    /// <summary>
    /// The runs to offer now, oldest first (run ids are time-ordered), out of <paramref name="nodeRuns"/> (every open
    /// run of one node). A capacity of 0 or less is unknown (an agent that does not announce it): no limit.
    /// </summary>
    public static IReadOnlyList<RunEntity> NextOffers(IEnumerable<RunEntity> nodeRuns, int maxConcurrentRuns)
    {
        ArgumentNullException.ThrowIfNull(nodeRuns);
        var runs = nodeRuns.ToList();
        var free = maxConcurrentRuns <= 0 ? int.MaxValue : maxConcurrentRuns - runs.Count(r => RunLifecycle.HoldsSlot(r.Status));
        return free <= 0
            ? []
            : [.. runs.Where(r => r.Status is RunStatus.Queued or RunStatus.Offline).OrderBy(r => r.Id, StringComparer.Ordinal).Take(free)];
    }

    /// <summary>
    /// The capacity learned from a busy refusal: the runs the node still holds (the refused one aside), or null when it
    /// holds none here — then the announced capacity stays, and the run waits for the node's next session or slot.
    /// </summary>
    public static int? LearnedCapacity(IEnumerable<RunEntity> nodeRuns, string refusedRunId)
    {
        ArgumentNullException.ThrowIfNull(nodeRuns);
        var held = nodeRuns.Count(r => r.Id != refusedRunId && RunLifecycle.HoldsSlot(r.Status));
        return held > 0 ? held : null;
    }
}
