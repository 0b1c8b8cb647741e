using Partages.Coordinator.Sessions;

namespace Partages.Coordinator.Scheduling;

/// <summary>
/// Offers as slots free up (<see cref="OfferQueue"/>): every operation commits through <see cref="CommitAsync"/>, which
/// first offers the waiting runs of the nodes whose slots it freed (or that just connected, or got a new run), so no
/// operation has to remember to.
/// </summary>
public sealed partial class LedgerWrite
{
    /// <summary>Offers what the freed slots allow, saves, then sends the offers; returns how many were sent.</summary>
    public async Task<int> CommitAsync(CancellationToken cancellationToken)
    {
        var offers = await OfferFreeSlotsAsync(changes.TakeNodes(), cancellationToken).ConfigureAwait(false);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        if (db.Database.CurrentTransaction is { } transaction)
        {
            // PostgreSQL: the write's transaction, holding the replicas' lock (RunLedger.OpenAsync); one commit per write.
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach (var (session, offer) in offers)
        {
            session.TrySend(offer);
        }

        return offers.Count;
    }

    /// <summary>
    /// For each connected node of <paramref name="nodeNames"/>: its waiting runs, oldest first, up to its free slots.
    /// Two queries for all the nodes together: a submission to 200 nodes must not cost 400 round trips.
    /// </summary>
    private async Task<List<(NodeSession Session, CoordinatorMessage Offer)>> OfferFreeSlotsAsync(IReadOnlyList<string> nodeNames, CancellationToken cancellationToken)
    {
        var offers = new List<(NodeSession, CoordinatorMessage)>();
        var connected = new Dictionary<string, NodeSession>(StringComparer.Ordinal);
        foreach (var name in nodeNames)
        {
            if (ledger.Sessions.TryGet(name, out var session) && session is not null)
            {
                connected[name] = session;
            }
            else
            {
                // Perhaps connected to another replica: that one offers (ReplicaBus), after this commit.
                changes.RemoteNode(name);
            }
        }

        if (connected.Count == 0)
        {
            return offers;
        }

        var names = connected.Keys.ToList();
        var capacity = await db.Nodes.Where(n => names.Contains(n.Name))
            .ToDictionaryAsync(n => n.Name, n => n.MaxConcurrentRuns, StringComparer.Ordinal, cancellationToken).ConfigureAwait(false);
        var stored = await db.Runs.Include(r => r.Evaluation)
            .Where(r => names.Contains(r.NodeName) && RunLifecycle.Open.Contains(r.Status))
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        // What this operation changed and has not saved counts as it is now (a run it just ended holds no slot; a run it
        // just added waits); tracked rows come back from the query as those same objects, with their current state.
        var runs = stored.Concat(db.ChangeTracker.Entries<RunEntity>().Select(e => e.Entity))
            .Where(r => connected.ContainsKey(r.NodeName) && !RunLifecycle.IsFinal(r.Status))
            .DistinctBy(r => r.Id)
            .ToLookup(r => r.NodeName, StringComparer.Ordinal);
        var artifacts = new Dictionary<string, ArtifactEntity>(StringComparer.Ordinal);
        foreach (var (name, session) in connected)
        {
            var open = runs[name].Where(r => r.Evaluation is { Status: EvaluationStatus.Running });
            foreach (var run in OfferQueue.NextOffers(open, capacity.GetValueOrDefault(name)))
            {
                var hash = run.Evaluation!.ModelBundleSha256;
                // An empty hash: a task that runs no model, offered without a bundle.
                ArtifactEntity? artifact = null;
                if (hash.Length > 0 && !artifacts.TryGetValue(hash, out artifact))
                {
                    artifact = await db.Artifacts.AsNoTracking().SingleAsync(a => a.Sha256 == hash, cancellationToken).ConfigureAwait(false);
                    artifacts[artifact.Sha256] = artifact;
                }

                var reason = run.Status == RunStatus.Offline ? "the node connected" : "";
                offers.Add((session, Offer(run, artifact, reason)));
            }
        }

        return offers;
    }
}
