using System.Text.Json;
using Partages.Coordinator.Audit;
using Partages.Coordinator.Sessions;

namespace Partages.Coordinator.Scheduling;

/// <summary>
/// A node's session opening and ending: its hello recorded, its runs reconciled with what it reports, its last-seen
/// time kept.
/// </summary>
public sealed partial class NodeReconnection(
    RunLedger ledger,
    IDbContextFactory<CoordinatorDbContext> dbFactory,
    AuditAnchors auditAnchors,
    TimeProvider time,
    ILogger<NodeReconnection> logger)
{
    /// <summary>
    /// A node opened a session: records its hello, registers the session and reconciles its runs — queued runs
    /// are offered; offered runs the node does not report are offered again; runs the node still reports keep
    /// going; runs it lost are offered again (up to MaxRunAttempts) and runs it reports that are over are cancelled.
    /// </summary>
    public async Task ConnectAsync(NodeSession session, NodeHello hello, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(hello);
        try
        {
            await ledger.WriteAsync(write => ReconcileAsync(write, session, hello, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Online now, with the versions and datasets of its hello committed: the dashboard's node list may read them.
            ledger.Sessions.PublishChange();
        }
    }

    /// <summary>
    /// The session ended: the node is offline; its runs keep their leases until they expire. When the coordinator is
    /// stopping, the node's last-seen time is left at its last heartbeat: hundreds of sessions ending at once would
    /// queue as many SQLite writes, seconds of the stop (docs/benchmarks.md).
    /// </summary>
    public async Task DisconnectAsync(NodeSession session, bool coordinatorStopping = false)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (!ledger.Sessions.Unregister(session))
        {
            return;
        }

        if (!coordinatorStopping)
        {
            // Not under the ledger's gate: the last-seen time is no run's state, and a disconnect must not queue behind a batch.
            await using var db = await dbFactory.CreateDbContextAsync().ConfigureAwait(false);
            var now = time.GetUtcNow();
            await db.Nodes.Where(n => n.Id == session.Node.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(n => n.LastSeen, now)).ConfigureAwait(false);
            ledger.Sessions.RecordLeft(session.NodeName, now);   // replicas: this last-seen time is the session's end, not a sign of life
        }

        ledger.Sessions.PublishChange();
        Log.NodeDisconnected(logger, session.NodeName);
    }

    private async Task ReconcileAsync(LedgerWrite write, NodeSession session, NodeHello hello, CancellationToken cancellationToken)
    {
        var (db, now) = (write.Db, write.Now);
        var node = await db.Nodes.SingleAsync(n => n.Id == session.Node.Id, cancellationToken).ConfigureAwait(false);
        node.AgentVersion = hello.AgentVersion;
        node.OnnxRuntimeVersion = hello.OnnxruntimeVersion;
        node.DatasetsJson = JsonSerializer.Serialize(hello.Datasets.Select(d => new StoredDataset(d.Name, d.Format, d.ApproximateDocuments, d.Fingerprint)));
        node.MaxConcurrentRuns = hello.MaxConcurrentRuns;
        node.LastSeen = now;
        auditAnchors.Record(node, hello.AuditHead, "hello", now);
        ledger.Sessions.Register(session);

        var active = hello.ActiveRunIds.ToHashSet(StringComparer.Ordinal);
        var runs = await db.Runs.Include(r => r.Evaluation).ThenInclude(e => e!.Runs)
            .Where(r => r.NodeName == node.Name && RunLifecycle.Open.Contains(r.Status))
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var artifacts = await write.LoadArtifactsAsync(runs, cancellationToken).ConfigureAwait(false);
        var outgoing = new List<CoordinatorMessage>();
        foreach (var run in runs)
        {
            var artifact = artifacts.GetValueOrDefault(run.Evaluation!.ModelBundleSha256);  // none for a task that runs no model
            var reported = active.Remove(run.Id);
            switch (run.Status)
            {
                case RunStatus.Queued or RunStatus.Offline:
                    // Offered at commit, as many as the node has free slots (OfferQueue).
                    break;
                case RunStatus.Offered when reported:
                    // The node took the run but its acceptance was lost with the connection.
                    write.Record(run, run.Accept(now, write.LeaseUntil, "reported active by the node on reconnect"));
                    break;
                case RunStatus.Offered:
                    outgoing.Add(write.Offer(run, artifact, "offered again on reconnect"));
                    break;
                case var _ when reported:
                    run.RenewLease(write.LeaseUntil);
                    break;
                case var _ when run.Attempts >= ledger.Options.MaxRunAttempts:
                    write.Record(run, run.Fail($"node {node.Name} lost the run {run.Attempts} time(s) (reconnected without it)", now));
                    write.Finalize(run.Evaluation);
                    break;
                default:
                    outgoing.Add(write.Offer(run, artifact, "offered again: the node reconnected without it"));
                    break;
            }
        }

        foreach (var stale in active)
        {
            outgoing.Add(new CoordinatorMessage { Cancel = new CancelJob { RunId = stale, Reason = "the coordinator has no open run with this id for this node" } });
        }

        write.Changes.MayOffer(node.Name);
        var offered = await write.CommitAsync(cancellationToken).ConfigureAwait(false);
        foreach (var message in outgoing)
        {
            session.TrySend(message);
        }

        Log.NodeConnected(logger, node.Name, hello.AgentVersion, hello.ActiveRunIds.Count, offered + outgoing.Count(m => m.KindCase == CoordinatorMessage.KindOneofCase.Offer));
    }

    private static partial class Log
    {
        [LoggerMessage(401, LogLevel.Information, "Node {Node} connected (agent {AgentVersion}, {Active} active run(s)); {Offers} offer(s) sent.")]
        public static partial void NodeConnected(ILogger logger, string node, string agentVersion, int active, int offers);

        [LoggerMessage(402, LogLevel.Information, "Node {Node} disconnected.")]
        public static partial void NodeDisconnected(ILogger logger, string node);
    }
}
