using Partages.Coordinator.Persistence;

namespace Partages.Coordinator.Scheduling;

public sealed partial class RunScheduler
{
    /// <summary>
    /// A stopping node gave the run back unfinished (JobHandedBack): it is queued again, without a lease (nothing is
    /// running it, so nothing may expire; the evaluation's deadline still applies), and offered when the node's next
    /// session opens (<see cref="ConnectAsync"/>). (Its own file: RunScheduler.cs is long enough.) Its progress starts again from zero with the next attempt.
    /// </summary>
    private static void HandBack(CoordinatorDbContext db, RunEntity run, string reason, DateTimeOffset now, Changes changes, ILogger logger)
    {
        // The node is stopping: offering its freed slot now would only have the run handed back again.
        Record(db, run, run.Status, run.Requeue(reason, now), changes, offerFreedSlot: false);
        HandBackLog.RunHandedBack(logger, run.Id, run.NodeName, reason);
    }

    private static partial class HandBackLog
    {
        [LoggerMessage(410, LogLevel.Information, "Run {RunId} handed back by node {Node} ({Reason}); queued until the node's next session.")]
        public static partial void RunHandedBack(ILogger logger, string runId, string node, string reason);
    }
}
