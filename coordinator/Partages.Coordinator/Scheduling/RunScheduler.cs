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
                // A connected node is offered the run below if it has a free slot; an offline one is listed as such.
                var connected = sessions.TryGet(node, out _);
                Transition(db, run, connected ? RunStatus.Queued : RunStatus.Offline, connected ? "" : OfflineAtSubmission, now, changes);
                changes.MayOffer(node);
            }

            db.Evaluations.Add(evaluation);
            var offered = await CommitAsync(db, changes, now, cancellationToken).ConfigureAwait(false);
            Log.EvaluationSubmitted(logger, evaluation.Id, evaluation.Name, submission.Owner, evaluation.Runs.Count, offered);
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
                    case RunStatus.Queued or RunStatus.Offline:
                        // Offered below, as many as the node has free slots (OfferQueue).
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

            changes.MayOffer(node.Name);
            var offered = await CommitAsync(db, changes, now, cancellationToken).ConfigureAwait(false);
            foreach (var message in outgoing)
            {
                session.TrySend(message);
            }

            Log.NodeConnected(logger, node.Name, hello.AgentVersion, hello.ActiveRunIds.Count, offered + outgoing.Count(m => m.KindCase == CoordinatorMessage.KindOneofCase.Offer));
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

        await CommitAsync(db, changes, now, cancellationToken).ConfigureAwait(false);
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

            if (RunLifecycle.IsFinal(run.Status) || run.Status is RunStatus.Queued or RunStatus.Offline)
            {
                var state = RunLifecycle.Name(run.Status);
                throw new RpcException(new Status(StatusCode.FailedPrecondition, $"Run '{runId}' is {state}{(run.Reason.Length > 0 ? ": " + run.Reason : "")}; it takes no result."));
            }

            var evaluation = run.Evaluation!;
            var now = time.GetUtcNow();
            var nodeRow = await db.Nodes.SingleAsync(n => n.Id == node.Id, cancellationToken).ConfigureAwait(false);
            auditAnchors.Record(nodeRow, auditHead, "result", now);
            if (ResultIntake.Check(resultJson, evaluation, nodeRow.DatasetsJson, out var released) is { } refusal)
            {
                Fail(db, run, refusal.Reason, now, changes);
                await FinalizeIfLastAsync(db, run, now, changes, cancellationToken).ConfigureAwait(false);
                await CommitAsync(db, changes, now, cancellationToken).ConfigureAwait(false);
                Log.InvalidResult(logger, run.Id, node.Name, refusal.Reason);
                throw new RpcException(new Status(refusal.Status, refusal.Reason));
            }

            CoordinatorTelemetry.RecordResult(run, released);
            run.ResultJson = resultJson;
            run.Released = released;
            run.ResultSha256 = hash;
            run.ManifestJson = manifestJson;
            run.LeaseExpiresAt = null;
            Transition(db, run, RunStatus.Succeeded, "", now, changes);
            await FinalizeIfLastAsync(db, run, now, changes, cancellationToken).ConfigureAwait(false);
            await CommitAsync(db, changes, now, cancellationToken).ConfigureAwait(false);
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
            await CommitAsync(db, changes, now, cancellationToken).ConfigureAwait(false);
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
            NodeMessage.KindOneofCase.AwaitingApproval => message.AwaitingApproval.RunId,
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
                replies.Add(new CoordinatorMessage { Cancel = new CancelJob { RunId = run.Id, Reason = $"the run is already {RunLifecycle.Name(run.Status)}" } });
            }

            return;
        }

        switch (message.KindCase)
        {
            case NodeMessage.KindOneofCase.Accepted:
                if (RunLifecycle.PhaseRank(run.Status) < RunLifecycle.PhaseRank(RunStatus.Accepted))
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
                    _ => RunStatus.Accepted,
                };
                if (RunLifecycle.PhaseRank(run.Status) < RunLifecycle.PhaseRank(RunStatus.Accepted))
                {
                    run.Attempts++;
                }

                CoordinatorTelemetry.RecordProgress(run, progress);
                // Phases only move forward (RunEntity.PhaseAfter); a late DOWNLOADING report changes nothing.
                if (run.PhaseAfter(phase) is { } next)
                {
                    Transition(db, run, next, "", now, changes);
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
                await RejectAsync(db, run, Reason(message.Rejected.Reason, "rejected by the node"), now, changes, cancellationToken).ConfigureAwait(false);
                break;
            case NodeMessage.KindOneofCase.AwaitingApproval:
                AwaitApproval(db, run, message.AwaitingApproval.Stage, now, changes);
                break;
            case NodeMessage.KindOneofCase.Failed:
                Fail(db, run, Reason(message.Failed.Reason, "failed at the node"), now, changes);
                await FinalizeIfLastAsync(db, run, now, changes, cancellationToken).ConfigureAwait(false);
                break;
            case NodeMessage.KindOneofCase.Cancelled:
                Transition(db, run, RunStatus.Cancelled, "cancelled by the node", now, changes);
                await FinalizeIfLastAsync(db, run, now, changes, cancellationToken).ConfigureAwait(false);
                break;
            case NodeMessage.KindOneofCase.HandedBack:
                HandBack(db, run, Reason(message.HandedBack.Reason, "handed back by the node"), now, changes, logger);
                break;
        }
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
        private readonly HashSet<string> _nodes = new(StringComparer.Ordinal);

        public void Evaluation(EvaluationEntity evaluation) => _evaluations.Add(evaluation.Id);

        public void Evaluation(string evaluationId) => _evaluations.Add(evaluationId);

        /// <summary>A run at <paramref name="node"/> left a slot, or the node may take waiting runs: <see cref="CommitAsync"/> offers them.</summary>
        public void MayOffer(string node) => _nodes.Add(node);

        /// <summary>The nodes noted by <see cref="MayOffer"/> since the last call.</summary>
        public IReadOnlyList<string> TakeNodes()
        {
            var nodes = _nodes.Order(StringComparer.Ordinal).ToList();
            _nodes.Clear();
            return nodes;
        }

        public void Publish()
        {
            foreach (var id in _evaluations)
            {
                owner._notifier.Publish(id);
            }
        }
    }
}
