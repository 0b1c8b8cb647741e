using System.Collections.Concurrent;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Partages.Contracts.V1;
using Partages.Coordinator.Audit;
using Partages.Coordinator.Hosting;
using Partages.Coordinator.Persistence;
using Partages.Coordinator.Results;
using Partages.Coordinator.Sessions;
using Partages.Coordinator.Telemetry;
using Partages.Evaluation;

namespace Partages.Coordinator.Scheduling;

/// <summary>
/// The one place where runs and evaluations change state. Every change goes through a single gate, is
/// written to the database with a state-history row before anyone is told, then wakes the evaluation's
/// watchers. Offers and cancellations are queued to connected nodes' sessions.
/// </summary>
public sealed partial class RunScheduler(
    IDbContextFactory<CoordinatorDbContext> dbFactory,
    NodeSessionRegistry sessions,
    EvaluationChangeNotifier notifier,
    AuditAnchors auditAnchors,
    TimeProvider time,
    IOptions<CoordinatorOptions> options,
    ILogger<RunScheduler> logger) : IDisposable
{
    /// <summary>Session messages in one transaction at most (group commit, see <see cref="HandleAsync"/>).</summary>
    private const int MaxMessagesPerCommit = 256;

    private readonly SemaphoreSlim _gate = new(1, 1);

    // Session messages not yet applied: whoever holds the gate next applies all of them in one transaction.
    private readonly ConcurrentQueue<PendingMessage> _inbox = new();
    private int _draining;
    private readonly EvaluationChangeNotifier _notifier = notifier;
    private readonly CoordinatorOptions _options = options.Value;

    private TimeSpan Lease => TimeSpan.FromSeconds(_options.LeaseSeconds);

    /// <summary>Creates the evaluation and one queued run per node, and offers them to the nodes connected now.</summary>
    public async Task<string> SubmitAsync(NewEvaluation submission, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(submission);
        using var activity = CoordinatorTelemetry.StartSubmission();
        var changes = new Changes(this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
            var now = time.GetUtcNow();
            var spec = submission.Spec;
            var evaluation = new EvaluationEntity
            {
                Id = "ev_" + Guid.CreateVersion7().ToString("N"),
                Name = spec.Name,
                SpecYaml = submission.SpecYaml,
                SpecSha256 = ContentHash.Of(submission.SpecYaml),
                ModelBundleSha256 = submission.ModelBundleSha256,
                ModelSignature = submission.ModelSignature?.ToByteArray(),
                Owner = submission.Owner,
                Task = spec.Task,
                Dataset = spec.Dataset,
                LabelsJson = JsonSerializer.Serialize(spec.Labels),
                MinSites = spec.MinSites,
                Status = EvaluationStatus.Running,
                CreatedAt = now,
                Deadline = now.AddMinutes(spec.DeadlineMinutes),
                TraceParent = CoordinatorTelemetry.TraceParentOf(activity),
            };
            foreach (var node in submission.Nodes)
            {
                var run = new RunEntity
                {
                    Id = "run_" + Guid.CreateVersion7().ToString("N"),
                    EvaluationId = evaluation.Id,
                    NodeName = node,
                };
                evaluation.Runs.Add(run);
                Transition(db, run, RunStatus.Queued, "", now, changes);
            }

            db.Evaluations.Add(evaluation);
            var artifact = await db.Artifacts.AsNoTracking()
                .SingleAsync(a => a.Sha256 == evaluation.ModelBundleSha256, cancellationToken).ConfigureAwait(false);
            var offers = new List<(NodeSession Session, CoordinatorMessage Offer)>();
            foreach (var run in evaluation.Runs)
            {
                if (sessions.TryGet(run.NodeName, out var session) && session is not null)
                {
                    offers.Add((session, Offer(db, run, evaluation, artifact, now, "", changes)));
                }
            }

            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            foreach (var (session, offer) in offers)
            {
                session.TrySend(offer);
            }

            Log.EvaluationSubmitted(logger, evaluation.Id, evaluation.Name, submission.Owner, evaluation.Runs.Count, offers.Count);
            activity?.SetTag("partages.evaluation_id", evaluation.Id);
            return evaluation.Id;
        }
        finally
        {
            _gate.Release();
            changes.Publish();
        }
    }

    /// <summary>
    /// A node opened a session: records its hello, registers the session and reconciles its runs — queued runs
    /// are offered; offered runs the node does not report are offered again; runs the node still reports keep
    /// going; runs it lost are offered again (up to MaxRunAttempts) and runs it reports that are over are cancelled.
    /// </summary>
    public async Task ConnectAsync(NodeSession session, NodeHello hello, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(hello);
        var changes = new Changes(this);
        var outgoing = new List<CoordinatorMessage>();
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
            var now = time.GetUtcNow();
            var node = await db.Nodes.SingleAsync(n => n.Id == session.Node.Id, cancellationToken).ConfigureAwait(false);
            node.AgentVersion = hello.AgentVersion;
            node.OnnxRuntimeVersion = hello.OnnxruntimeVersion;
            node.DatasetsJson = JsonSerializer.Serialize(hello.Datasets.Select(d => new StoredDataset(d.Name, d.Format, d.ApproximateDocuments, d.Fingerprint)));
            node.MaxConcurrentRuns = hello.MaxConcurrentRuns;
            node.LastSeen = now;
            auditAnchors.Record(node, hello.AuditHead, "hello", now);
            sessions.Register(session);

            var active = hello.ActiveRunIds.ToHashSet(StringComparer.Ordinal);
            var runs = await db.Runs.Include(r => r.Evaluation).ThenInclude(e => e!.Runs)
                .Where(r => r.NodeName == node.Name && RunLifecycle.Open.Contains(r.Status))
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            var artifacts = await LoadArtifactsAsync(db, runs, cancellationToken).ConfigureAwait(false);
            foreach (var run in runs)
            {
                var evaluation = run.Evaluation!;
                var reported = active.Remove(run.Id);
                switch (run.Status)
                {
                    case RunStatus.Queued:
                        outgoing.Add(Offer(db, run, evaluation, artifacts[evaluation.ModelBundleSha256], now, "", changes));
                        break;
                    case RunStatus.Offered when reported:
                        // The node took the run but its acceptance was lost with the connection.
                        run.Attempts++;
                        Transition(db, run, RunStatus.Accepted, "reported active by the node on reconnect", now, changes);
                        run.LeaseExpiresAt = now + Lease;
                        break;
                    case RunStatus.Offered:
                        outgoing.Add(Offer(db, run, evaluation, artifacts[evaluation.ModelBundleSha256], now, "offered again on reconnect", changes));
                        break;
                    case var _ when reported:
                        run.LeaseExpiresAt = now + Lease;
                        break;
                    case var _ when run.Attempts >= _options.MaxRunAttempts:
                        Fail(db, run, $"node {node.Name} lost the run {run.Attempts} time(s) (reconnected without it)", now, changes);
                        Finalize(evaluation, now, changes);
                        break;
                    default:
                        outgoing.Add(Offer(db, run, evaluation, artifacts[evaluation.ModelBundleSha256], now, "offered again: the node reconnected without it", changes));
                        break;
                }
            }

            foreach (var stale in active)
            {
                outgoing.Add(new CoordinatorMessage { Cancel = new CancelJob { RunId = stale, Reason = "the coordinator has no open run with this id for this node" } });
            }

            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            foreach (var message in outgoing)
            {
                session.TrySend(message);
            }

            Log.NodeConnected(logger, node.Name, hello.AgentVersion, hello.ActiveRunIds.Count, outgoing.Count(m => m.KindCase == CoordinatorMessage.KindOneofCase.Offer));
        }
        finally
        {
            _gate.Release();
            changes.Publish();
            // Online now, with the versions and datasets of its hello committed: the dashboard's node list may read them.
            sessions.PublishChange();
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
        if (!sessions.Unregister(session))
        {
            return;
        }

        if (!coordinatorStopping)
        {
            await using var db = await dbFactory.CreateDbContextAsync().ConfigureAwait(false);
            var now = time.GetUtcNow();
            await db.Nodes.Where(n => n.Id == session.Node.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(n => n.LastSeen, now)).ConfigureAwait(false);
        }

        sessions.PublishChange();
        Log.NodeDisconnected(logger, session.NodeName);
    }

    /// <summary>
    /// Applies one message from a node's session and returns once it is committed; false when the node has been revoked
    /// meanwhile. Messages that arrive while the gate is held are applied together, in one transaction (group commit):
    /// with hundreds of nodes, a commit and its fsync per heartbeat or progress report capped the whole
    /// coordinator at a few hundred messages a second (docs/benchmarks.md). A session sends its next message only after
    /// this returns, so a node's messages keep their order.
    /// </summary>
    public async Task<bool> HandleAsync(NodeSession session, NodeMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(message);
        var pending = new PendingMessage(session, message);
        _inbox.Enqueue(pending);
        // One drainer takes the gate once per batch; callers only wait for their message. (When every caller took the
        // gate just to find its message already applied, hundreds of hand-offs queued up ahead of submissions.)
        if (Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
        {
            _ = Task.Run(DrainAsync, CancellationToken.None);
        }

        return await pending.Applied.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Applies queued session messages, one batch per hold of the gate, until the queue is empty.</summary>
    private async Task DrainAsync()
    {
        while (true)
        {
            while (!_inbox.IsEmpty)
            {
                var changes = new Changes(this);
                try
                {
                    await _gate.WaitAsync().ConfigureAwait(false);
                }
                catch (ObjectDisposedException)
                {
                    // Shutting down: nothing will be applied any more.
                    while (_inbox.TryDequeue(out var dropped))
                    {
                        dropped.Applied.TrySetCanceled();
                    }

                    return;
                }

                try
                {
                    await ApplyQueuedAsync(changes).ConfigureAwait(false);
                }
                finally
                {
                    _gate.Release();
                    changes.Publish();
                }
            }

            Volatile.Write(ref _draining, 0);
            // A message queued after the check above, by a caller that saw the drainer still running, is taken here.
            if (_inbox.IsEmpty || Interlocked.CompareExchange(ref _draining, 1, 0) != 0)
            {
                return;
            }
        }
    }

    /// <summary>Session messages waiting for the gate (tests of the group commit).</summary>
    internal int QueuedMessages => _inbox.Count;

    /// <summary>Holds the gate until disposed, so session messages queue up and then commit together (tests of the group commit).</summary>
    internal async Task<IDisposable> PauseAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        return new GateHold(_gate);
    }

    /// <summary>
    /// Under the gate: applies the queued session messages in one transaction. If the batch fails, each message is
    /// applied again alone, so only the sender of a bad message sees the error.
    /// </summary>
    private async Task ApplyQueuedAsync(Changes changes)
    {
        var batch = new List<PendingMessage>();
        while (batch.Count < MaxMessagesPerCommit && _inbox.TryDequeue(out var next))
        {
            batch.Add(next);
        }

        try
        {
            await ApplyBatchAsync(batch, changes).ConfigureAwait(false);
        }
        catch (Exception ex) when (batch.Count > 1 && ex is not OutOfMemoryException)
        {
            foreach (var pending in batch)
            {
                try
                {
                    await ApplyBatchAsync([pending], changes).ConfigureAwait(false);
                }
                catch (Exception alone) when (alone is not OutOfMemoryException)
                {
                    pending.Applied.TrySetException(alone);
                }
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            batch[0].Applied.TrySetException(ex);
        }
    }

    private async Task ApplyBatchAsync(IReadOnlyList<PendingMessage> batch, Changes changes)
    {
        // No caller's token: the batch carries other nodes' messages, which one node hanging up must not cancel.
        var cancellationToken = CancellationToken.None;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var outcomes = new List<(PendingMessage Pending, bool Accepted, List<CoordinatorMessage> Replies)>(batch.Count);
        foreach (var pending in batch)
        {
            var replies = new List<CoordinatorMessage>();
            var accepted = await ApplyMessageAsync(db, pending.Session, pending.Message, now, changes, replies, cancellationToken).ConfigureAwait(false);
            outcomes.Add((pending, accepted, replies));
        }

        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        foreach (var (pending, accepted, replies) in outcomes)
        {
            foreach (var reply in replies)
            {
                pending.Session.TrySend(reply);
            }

            pending.Applied.TrySetResult(accepted);
        }

        if (batch.Any(p => p.Message.KindCase == NodeMessage.KindOneofCase.Heartbeat))
        {
            // The nodes' last heartbeats moved: the dashboard's node list shows them.
            sessions.PublishChange();
        }
    }

    /// <summary>One session message, in the batch's context. False when the node has been revoked (nothing is changed then).</summary>
    private async Task<bool> ApplyMessageAsync(
        CoordinatorDbContext db,
        NodeSession session,
        NodeMessage message,
        DateTimeOffset now,
        Changes changes,
        List<CoordinatorMessage> replies,
        CancellationToken cancellationToken)
    {
        var nodeName = session.NodeName;
        switch (message.KindCase)
        {
            case NodeMessage.KindOneofCase.Heartbeat:
                var node = await db.Nodes.SingleOrDefaultAsync(n => n.Id == session.Node.Id, cancellationToken).ConfigureAwait(false);
                if (node is null || node.Revoked || node.CertificateSha256 != session.Node.CertificateSha256)
                {
                    return false;
                }

                node.LastSeen = now;
                auditAnchors.Record(node, message.Heartbeat.AuditHead, "heartbeat", now);
                var ids = message.Heartbeat.ActiveRunIds.ToList();
                var renewed = await db.Runs
                    .Where(r => r.NodeName == nodeName && ids.Contains(r.Id) && RunLifecycle.Open.Contains(r.Status))
                    .ToListAsync(cancellationToken).ConfigureAwait(false);
                // A run already tracked by this batch has its new state; one that just ended keeps no lease.
                foreach (var run in renewed.Where(r => !RunLifecycle.IsFinal(r.Status)))
                {
                    run.LeaseExpiresAt = now + Lease;
                }

                break;
            case NodeMessage.KindOneofCase.Hello:
                Log.UnexpectedHello(logger, nodeName);
                break;
            case NodeMessage.KindOneofCase.None:
                break;
            default:
                await ApplyRunMessageAsync(db, session, message, now, changes, replies, cancellationToken).ConfigureAwait(false);
                break;
        }

        return true;
    }

    /// <summary>
    /// Stores a node's released result for its run. Idempotent: the same payload again returns false; a different
    /// payload for a succeeded run is refused. A payload refused by ResultIntake.Check (unreadable, or implausible for
    /// the node's announced dataset) fails the run. The audit head sent with it is recorded (AuditAnchors).
    /// </summary>
    public async Task<bool> SubmitResultAsync(NodeIdentity node, string runId, string resultJson, string resultSha256, string manifestJson, AuditHead? auditHead, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(node);
        using var intake = CoordinatorTelemetry.StartIntake(runId, node.Name, resultSha256);
        var changes = new Changes(this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
            // Only this run and its evaluation: the other runs (and their results) are loaded when the evaluation closes.
            var run = await db.Runs.Include(r => r.Evaluation)
                .SingleOrDefaultAsync(r => r.Id == runId, cancellationToken).ConfigureAwait(false)
                ?? throw new RpcException(new Status(StatusCode.NotFound, $"Run '{runId}' does not exist."));
            if (run.NodeName != node.Name)
            {
                throw new RpcException(new Status(StatusCode.PermissionDenied, $"Run '{runId}' belongs to another node."));
            }

            var hash = ContentHash.Of(resultJson);
            if (!string.Equals(hash, resultSha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, $"result_sha256 is {resultSha256} but result_json hashes to {hash}."));
            }

            if (run.Status == RunStatus.Succeeded)
            {
                if (run.ResultSha256 == hash)
                {
                    Log.DuplicateResult(logger, run.Id, node.Name);
                    return false;
                }

                throw new RpcException(new Status(StatusCode.AlreadyExists, $"Run '{runId}' already has a different result (sha256 {run.ResultSha256})."));
            }

            if (RunLifecycle.IsFinal(run.Status) || run.Status == RunStatus.Queued)
            {
                var state = RunLifecycle.ToProto(run.Status).ToString().ToLowerInvariant();
                throw new RpcException(new Status(StatusCode.FailedPrecondition, $"Run '{runId}' is {state}{(run.Reason.Length > 0 ? ": " + run.Reason : "")}; it takes no result."));
            }

            var evaluation = run.Evaluation!;
            var now = time.GetUtcNow();
            var nodeRow = await db.Nodes.SingleAsync(n => n.Id == node.Id, cancellationToken).ConfigureAwait(false);
            auditAnchors.Record(nodeRow, auditHead, "result", now);
            if (ResultIntake.Check(resultJson, evaluation, nodeRow.DatasetsJson) is { } refusal)
            {
                Fail(db, run, refusal.Reason, now, changes);
                await FinalizeIfLastAsync(db, run, now, changes, cancellationToken).ConfigureAwait(false);
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                Log.InvalidResult(logger, run.Id, node.Name, refusal.Reason);
                throw new RpcException(new Status(refusal.Status, refusal.Reason));
            }

            CoordinatorTelemetry.RecordResult(run, resultJson);
            run.ResultJson = resultJson;
            run.ResultSha256 = hash;
            run.ManifestJson = manifestJson;
            run.LeaseExpiresAt = null;
            Transition(db, run, RunStatus.Succeeded, "", now, changes);
            await FinalizeIfLastAsync(db, run, now, changes, cancellationToken).ConfigureAwait(false);
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            Log.ResultStored(logger, run.Id, node.Name, hash);
            return true;
        }
        finally
        {
            _gate.Release();
            changes.Publish();
        }
    }

    /// <summary>Cancels an evaluation: open runs are cancelled, and nodes holding one are told to stop.</summary>
    public async Task CancelAsync(string evaluationId, string by, string reason, CancellationToken cancellationToken)
    {
        var changes = new Changes(this);
        var cancels = new List<(string Node, CoordinatorMessage Message)>();
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
            var evaluation = await db.Evaluations.Include(e => e.Runs)
                .SingleOrDefaultAsync(e => e.Id == evaluationId, cancellationToken).ConfigureAwait(false)
                ?? throw new RpcException(new Status(StatusCode.NotFound, $"Evaluation '{evaluationId}' does not exist."));
            if (RunLifecycle.IsFinal(evaluation.Status))
            {
                throw new RpcException(new Status(StatusCode.FailedPrecondition, $"Evaluation '{evaluationId}' is already {evaluation.Status.ToString().ToLowerInvariant()}."));
            }

            var why = string.IsNullOrWhiteSpace(reason) ? $"cancelled by {by}" : $"cancelled by {by}: {reason.Trim()}";
            var now = time.GetUtcNow();
            foreach (var run in evaluation.Runs.Where(r => !RunLifecycle.IsFinal(r.Status)))
            {
                if (RunLifecycle.AtNode.Contains(run.Status))
                {
                    cancels.Add((run.NodeName, new CoordinatorMessage { Cancel = new CancelJob { RunId = run.Id, Reason = why } }));
                }

                run.LeaseExpiresAt = null;
                Transition(db, run, RunStatus.Cancelled, why, now, changes);
            }

            ResultPooler.Close(evaluation, now, EvaluationStatus.Cancelled, why);
            changes.Evaluation(evaluation);
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            foreach (var (node, message) in cancels)
            {
                sessions.TrySend(node, message);
            }

            Log.EvaluationCancelled(logger, evaluationId, by, cancels.Count);
        }
        finally
        {
            _gate.Release();
            changes.Publish();
        }
    }

    /// <summary>Fails every open run whose lease has passed; returns how many.</summary>
    public async Task<int> ExpireLeasesAsync(CancellationToken cancellationToken)
    {
        var changes = new Changes(this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
            var now = time.GetUtcNow();
            var expired = await db.Runs.Include(r => r.Evaluation).ThenInclude(e => e!.Runs)
                .Where(r => r.LeaseExpiresAt != null && r.LeaseExpiresAt <= now && RunLifecycle.Open.Contains(r.Status))
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            foreach (var run in expired)
            {
                Fail(db, run, $"lease expired: node {run.NodeName} stopped reporting", now, changes);
                // If the node is still connected but silent about this run, tell it to drop the run.
                sessions.TrySend(run.NodeName, new CoordinatorMessage { Cancel = new CancelJob { RunId = run.Id, Reason = "lease expired" } });
                Log.LeaseExpired(logger, run.Id, run.NodeName);
            }

            foreach (var evaluation in expired.Select(r => r.Evaluation!).Distinct())
            {
                Finalize(evaluation, now, changes);
            }

            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return expired.Count;
        }
        finally
        {
            _gate.Release();
            changes.Publish();
        }
    }

    /// <summary>Closes every running evaluation past its deadline: its open runs fail and nodes holding them are told to stop.</summary>
    public async Task<int> CloseOverdueEvaluationsAsync(CancellationToken cancellationToken)
    {
        var changes = new Changes(this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
            var now = time.GetUtcNow();
            var overdue = await db.Evaluations.Include(e => e.Runs)
                .Where(e => e.Status == EvaluationStatus.Running && e.Deadline <= now)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            foreach (var evaluation in overdue)
            {
                foreach (var run in evaluation.Runs.Where(r => !RunLifecycle.IsFinal(r.Status)))
                {
                    if (RunLifecycle.AtNode.Contains(run.Status))
                    {
                        sessions.TrySend(run.NodeName, new CoordinatorMessage { Cancel = new CancelJob { RunId = run.Id, Reason = "the evaluation's deadline passed" } });
                    }

                    Fail(db, run, "deadline passed before the node reported a result", now, changes);
                }

                Finalize(evaluation, now, changes);
                Log.DeadlinePassed(logger, evaluation.Id);
            }

            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return overdue.Count;
        }
        finally
        {
            _gate.Release();
            changes.Publish();
        }
    }

    /// <summary>
    /// After a coordinator restart, gives every open lease at least one full lease period, so runs are not failed
    /// for the time the coordinator itself was down; nodes reconnect and renew them.
    /// </summary>
    public async Task GraceLeasesAfterStartAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
            var floor = time.GetUtcNow() + Lease;
            var leased = await db.Runs.Where(r => r.LeaseExpiresAt != null && r.LeaseExpiresAt < floor && RunLifecycle.Open.Contains(r.Status))
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            foreach (var run in leased)
            {
                run.LeaseExpiresAt = floor;
            }

            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    private async Task ApplyRunMessageAsync(
        CoordinatorDbContext db,
        NodeSession session,
        NodeMessage message,
        DateTimeOffset now,
        Changes changes,
        List<CoordinatorMessage> replies,
        CancellationToken cancellationToken)
    {
        var runId = message.KindCase switch
        {
            NodeMessage.KindOneofCase.Accepted => message.Accepted.RunId,
            NodeMessage.KindOneofCase.Rejected => message.Rejected.RunId,
            NodeMessage.KindOneofCase.Progress => message.Progress.RunId,
            NodeMessage.KindOneofCase.Failed => message.Failed.RunId,
            NodeMessage.KindOneofCase.Cancelled => message.Cancelled.RunId,
            NodeMessage.KindOneofCase.HandedBack => message.HandedBack.RunId,
            _ => "",
        };
        // Only this run and its evaluation: loading every run of a 200-node evaluation for each progress report made a
        // round quadratic. The other runs are loaded when the run ends and the evaluation may close.
        var run = await db.Runs.Include(r => r.Evaluation)
            .SingleOrDefaultAsync(r => r.Id == runId, cancellationToken).ConfigureAwait(false);
        if (run is null || run.NodeName != session.NodeName)
        {
            Log.ForeignRun(logger, session.NodeName, message.KindCase.ToString(), runId);
            if (message.KindCase is NodeMessage.KindOneofCase.Accepted or NodeMessage.KindOneofCase.Progress)
            {
                replies.Add(new CoordinatorMessage { Cancel = new CancelJob { RunId = runId, Reason = "the coordinator has no such run for this node" } });
            }

            return;
        }

        if (RunLifecycle.IsFinal(run.Status))
        {
            // The run ended here (cancelled, deadline, lease) while the node kept working on it: tell it to stop.
            if (message.KindCase is NodeMessage.KindOneofCase.Accepted or NodeMessage.KindOneofCase.Progress)
            {
                replies.Add(new CoordinatorMessage { Cancel = new CancelJob { RunId = run.Id, Reason = $"the run is already {RunLifecycle.ToProto(run.Status).ToString().ToLowerInvariant()}" } });
            }

            return;
        }

        switch (message.KindCase)
        {
            case NodeMessage.KindOneofCase.Accepted:
                if (run.Status is RunStatus.Offered or RunStatus.Queued)
                {
                    run.Attempts++;
                    Transition(db, run, RunStatus.Accepted, "", now, changes);
                }

                run.LeaseExpiresAt = now + Lease;
                break;
            case NodeMessage.KindOneofCase.Progress:
                var progress = message.Progress;
                var phase = progress.Phase switch
                {
                    JobPhase.Downloading => RunStatus.Downloading,
                    JobPhase.Running => RunStatus.Running,
                    _ => run.Status is RunStatus.Queued or RunStatus.Offered ? RunStatus.Accepted : run.Status,
                };
                if (run.Status is RunStatus.Queued or RunStatus.Offered)
                {
                    run.Attempts++;
                }

                CoordinatorTelemetry.RecordProgress(run, progress);
                // Phases only move forward (accepted → downloading → running); a late DOWNLOADING report changes nothing.
                if (phase > run.Status)
                {
                    Transition(db, run, phase, "", now, changes);
                }

                var unit = ProgressUnits.Of(progress.Phase);
                if (run.Done != progress.Done || run.Total != progress.Total || run.ProgressUnit != unit)
                {
                    run.Done = Math.Max(0, progress.Done);
                    run.Total = Math.Max(0, progress.Total);
                    run.ProgressUnit = unit;
                    run.UpdatedAt = now;
                    changes.Evaluation(run.Evaluation!);
                }

                run.LeaseExpiresAt = now + Lease;
                break;
            case NodeMessage.KindOneofCase.Rejected:
                run.LeaseExpiresAt = null;
                Transition(db, run, RunStatus.Rejected, Reason(message.Rejected.Reason, "rejected by the node"), now, changes);
                await FinalizeIfLastAsync(db, run, now, changes, cancellationToken).ConfigureAwait(false);
                break;
            case NodeMessage.KindOneofCase.Failed:
                Fail(db, run, Reason(message.Failed.Reason, "failed at the node"), now, changes);
                await FinalizeIfLastAsync(db, run, now, changes, cancellationToken).ConfigureAwait(false);
                break;
            case NodeMessage.KindOneofCase.Cancelled:
                run.LeaseExpiresAt = null;
                Transition(db, run, RunStatus.Cancelled, "cancelled by the node", now, changes);
                await FinalizeIfLastAsync(db, run, now, changes, cancellationToken).ConfigureAwait(false);
                break;
            case NodeMessage.KindOneofCase.HandedBack:
                HandBack(db, run, Reason(message.HandedBack.Reason, "handed back by the node"), now, changes, logger);
                break;
        }
    }

    private static string Reason(string given, string fallback)
    {
        var trimmed = given.Trim();
        return trimmed.Length == 0 ? fallback : trimmed.Length > 1000 ? trimmed[..1000] : trimmed;
    }

    private CoordinatorMessage Offer(
        CoordinatorDbContext db, RunEntity run, EvaluationEntity evaluation, ArtifactEntity artifact, DateTimeOffset now, string reason, Changes changes)
    {
        Transition(db, run, RunStatus.Offered, reason, now, changes);
        run.LeaseExpiresAt = now + Lease;
        return new CoordinatorMessage
        {
            Offer = new JobOffer
            {
                RunId = run.Id,
                EvaluationId = evaluation.Id,
                SpecYaml = evaluation.SpecYaml,
                SpecSha256 = evaluation.SpecSha256,
                ModelBundle = new ArtifactRef { Sha256 = artifact.Sha256, SizeBytes = artifact.SizeBytes, MediaType = artifact.MediaType },
                Dataset = evaluation.Dataset,
                LeaseSeconds = _options.LeaseSeconds,
                TraceParent = CoordinatorTelemetry.OfferTraceParent(evaluation.TraceParent, evaluation.Id, run.Id, run.NodeName),
                // Carried as given: the coordinator holds no signer keys; each node's policy decides whom it trusts.
                ModelSignature = evaluation.ModelSignature is { } signature ? BundleSignature.Parser.ParseFrom(signature) : null,
            },
        };
    }

    private static void Fail(CoordinatorDbContext db, RunEntity run, string reason, DateTimeOffset now, Changes changes)
    {
        run.LeaseExpiresAt = null;
        Transition(db, run, RunStatus.Failed, reason, now, changes);
    }

    private static void Transition(CoordinatorDbContext db, RunEntity run, RunStatus status, string reason, DateTimeOffset now, Changes changes)
    {
        run.Status = status;
        run.Reason = reason;
        run.UpdatedAt = now;
        db.RunStateHistory.Add(new RunStateHistoryEntity { RunId = run.Id, State = status, Reason = reason, At = now });
        if (run.Evaluation is { } evaluation)
        {
            changes.Evaluation(evaluation);
        }
        else
        {
            changes.Evaluation(run.EvaluationId);
        }

        if (RunLifecycle.IsFinal(status))
        {
            CoordinatorTelemetry.RunsFinished.Add(1, new KeyValuePair<string, object?>("state", status.ToString().ToLowerInvariant()));
        }
    }

    /// <summary>
    /// After <paramref name="run"/> ended: closes its evaluation if no other run of it is still open. Which runs are open
    /// is asked of the database (ids only), corrected by the runs this context already changed and has not saved (a
    /// batch may end several runs of one evaluation); every run, with its result, is loaded only to close it.
    /// </summary>
    private async Task FinalizeIfLastAsync(CoordinatorDbContext db, RunEntity run, DateTimeOffset now, Changes changes, CancellationToken cancellationToken)
    {
        var evaluation = run.Evaluation!;
        if (RunLifecycle.IsFinal(evaluation.Status))
        {
            return;
        }

        var runs = db.Entry(evaluation).Collection(e => e.Runs);
        if (!runs.IsLoaded)
        {
            var openInDatabase = await db.Runs
                .Where(r => r.EvaluationId == evaluation.Id && r.Id != run.Id && RunLifecycle.Open.Contains(r.Status))
                .Select(r => r.Id)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            var tracked = db.ChangeTracker.Entries<RunEntity>().ToDictionary(e => e.Entity.Id, e => e.Entity.Status, StringComparer.Ordinal);
            if (openInDatabase.Any(id => !tracked.TryGetValue(id, out var status) || !RunLifecycle.IsFinal(status)))
            {
                return;
            }

            // Tracked runs keep their unsaved state; the others come with their results, for pooling.
            await runs.LoadAsync(cancellationToken).ConfigureAwait(false);
        }

        Finalize(evaluation, now, changes);
    }

    /// <summary>Closes the evaluation if it is running and every run is final.</summary>
    private void Finalize(EvaluationEntity evaluation, DateTimeOffset now, Changes changes)
    {
        if (RunLifecycle.IsFinal(evaluation.Status) || evaluation.Runs.Any(r => !RunLifecycle.IsFinal(r.Status)))
        {
            return;
        }

        using var activity = CoordinatorTelemetry.StartPooling(evaluation.Id);
        try
        {
            ResultPooler.Close(evaluation, now);
        }
        catch (InvalidDataException ex)
        {
            ResultPooler.Close(evaluation, now, EvaluationStatus.Failed, "the sites' results could not be pooled");
            Log.PoolingFailed(logger, ex, evaluation.Id);
        }

        changes.Evaluation(evaluation);
        CoordinatorTelemetry.EvaluationsFinished.Add(1, new KeyValuePair<string, object?>("state", evaluation.Status.ToString().ToLowerInvariant()));
        Log.EvaluationClosed(logger, evaluation.Id, evaluation.Status.ToString().ToLowerInvariant(), evaluation.Reason);
    }

    private static async Task<Dictionary<string, ArtifactEntity>> LoadArtifactsAsync(CoordinatorDbContext db, List<RunEntity> runs, CancellationToken cancellationToken)
    {
        var hashes = runs.Select(r => r.Evaluation!.ModelBundleSha256).Distinct().ToList();
        return await db.Artifacts.AsNoTracking().Where(a => hashes.Contains(a.Sha256))
            .ToDictionaryAsync(a => a.Sha256, StringComparer.Ordinal, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A session message waiting for the gate; completed once its batch is committed (or with its error).</summary>
    private sealed class PendingMessage(NodeSession session, NodeMessage message)
    {
        public NodeSession Session { get; } = session;

        public NodeMessage Message { get; } = message;

        public TaskCompletionSource<bool> Applied { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class GateHold(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release();
            }
        }
    }

    /// <summary>The evaluations touched by one operation; their watchers are woken once it is committed.</summary>
    private sealed class Changes(RunScheduler owner)
    {
        private readonly HashSet<string> _evaluations = new(StringComparer.Ordinal);

        public void Evaluation(EvaluationEntity evaluation) => _evaluations.Add(evaluation.Id);

        public void Evaluation(string evaluationId) => _evaluations.Add(evaluationId);

        public void Publish()
        {
            foreach (var id in _evaluations)
            {
                owner._notifier.Publish(id);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(400, LogLevel.Information, "Evaluation {EvaluationId} ({Name}) submitted by {Owner}: {Runs} run(s), {Offered} offered at once.")]
        public static partial void EvaluationSubmitted(ILogger logger, string evaluationId, string name, string owner, int runs, int offered);

        [LoggerMessage(401, LogLevel.Information, "Node {Node} connected (agent {AgentVersion}, {Active} active run(s)); {Offers} offer(s) sent.")]
        public static partial void NodeConnected(ILogger logger, string node, string agentVersion, int active, int offers);

        [LoggerMessage(402, LogLevel.Information, "Node {Node} disconnected.")]
        public static partial void NodeDisconnected(ILogger logger, string node);

        [LoggerMessage(403, LogLevel.Warning, "Run {RunId} failed: lease expired, node {Node} stopped reporting.")]
        public static partial void LeaseExpired(ILogger logger, string runId, string node);

        [LoggerMessage(404, LogLevel.Warning, "Evaluation {EvaluationId} passed its deadline; its open runs were failed.")]
        public static partial void DeadlinePassed(ILogger logger, string evaluationId);

        [LoggerMessage(405, LogLevel.Information, "Evaluation {EvaluationId} is {State}. {Reason}")]
        public static partial void EvaluationClosed(ILogger logger, string evaluationId, string state, string reason);

        [LoggerMessage(406, LogLevel.Information, "Evaluation {EvaluationId} cancelled by {By}; {Notified} node run(s) told to stop.")]
        public static partial void EvaluationCancelled(ILogger logger, string evaluationId, string by, int notified);

        [LoggerMessage(407, LogLevel.Warning, "Node {Node} sent {Kind} for run {RunId}, which is not one of its runs; ignored.")]
        public static partial void ForeignRun(ILogger logger, string node, string kind, string runId);

        [LoggerMessage(408, LogLevel.Warning, "Node {Node} sent a second hello on the same session; ignored.")]
        public static partial void UnexpectedHello(ILogger logger, string node);

        [LoggerMessage(409, LogLevel.Error, "The results of evaluation {EvaluationId} could not be pooled.")]
        public static partial void PoolingFailed(ILogger logger, Exception exception, string evaluationId);

        [LoggerMessage(600, LogLevel.Information, "Result of run {RunId} from node {Node} stored (sha256 {Sha256}).")]
        public static partial void ResultStored(ILogger logger, string runId, string node, string sha256);

        [LoggerMessage(601, LogLevel.Information, "Result of run {RunId} from node {Node} was already stored; duplicate ignored.")]
        public static partial void DuplicateResult(ILogger logger, string runId, string node);

        [LoggerMessage(602, LogLevel.Warning, "Result of run {RunId} from node {Node} refused: {Problem}")]
        public static partial void InvalidResult(ILogger logger, string runId, string node, string problem);
    }
}
