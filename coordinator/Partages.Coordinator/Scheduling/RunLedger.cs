using Microsoft.Extensions.Options;
using Partages.Coordinator.Hosting;
using Partages.Coordinator.Replicas;
using Partages.Coordinator.Sessions;

namespace Partages.Coordinator.Scheduling;

/// <summary>
/// The one gate runs and evaluations change state through: an operation holds it, works in one database context
/// (<see cref="LedgerWrite"/>), commits with a state-history row for every change, and only after the gate is released
/// are the evaluations' watchers woken. Every operation of Scheduling/ (submission, sessions, results, cancellation,
/// leases) writes through here, so none repeats the lock, the transaction or the publishing.
/// </summary>
public sealed partial class RunLedger(
    IDbContextFactory<CoordinatorDbContext> dbFactory,
    NodeSessionRegistry sessions,
    EvaluationChangeNotifier notifier,
    ReplicaBus replicas,
    TimeProvider time,
    IOptions<CoordinatorOptions> options,
    ILogger<RunLedger> logger) : IDisposable
{
    /// <summary>
    /// The key of the PostgreSQL advisory lock every write takes in its transaction: the gate below orders this
    /// replica's writes, the lock orders them with the other replicas' (docs/coordinator.md, "Replicas"), so "is this the
    /// last open run?", "is this run already succeeded?" and "which slots are free?" are answered on committed state.
    /// </summary>
    public const long ReplicaLockKey = 0x5041525441474553; // "PARTAGES"

    private readonly SemaphoreSlim _gate = new(1, 1);

    public CoordinatorOptions Options { get; } = options.Value;

    /// <summary>How long a node has to report on a run it holds before the run fails.</summary>
    public TimeSpan Lease => TimeSpan.FromSeconds(Options.LeaseSeconds);

    internal NodeSessionRegistry Sessions => sessions;

    internal ILogger Logger => logger;

    /// <summary>
    /// Runs <paramref name="work"/> under the gate in one database context; the work commits (<see cref="LedgerWrite.CommitAsync"/>)
    /// what it means to keep. Watchers of the evaluations it touched are woken once the gate is released, even when it threw.
    /// </summary>
    public Task<T> WriteAsync<T>(Func<LedgerWrite, Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        return HoldAsync(
            async changes =>
            {
                await using var write = await OpenAsync(changes, cancellationToken).ConfigureAwait(false);
                return await work(write).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <inheritdoc cref="WriteAsync{T}"/>
    public Task WriteAsync(Func<LedgerWrite, Task> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        return WriteAsync(
            async write =>
            {
                await work(write).ConfigureAwait(false);
                return true;
            },
            cancellationToken);
    }

    /// <summary>
    /// Holds the gate for <paramref name="work"/>, which may open several database contexts (<see cref="OpenAsync"/>): the
    /// session inbox applies a failed batch again message by message within one hold.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The coordinator is stopping.</exception>
    internal async Task<T> HoldAsync<T>(Func<LedgerChanges, Task<T>> work, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        var changes = new LedgerChanges();
        try
        {
            return await work(changes).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
            changes.Publish(notifier);
            replicas.Publish(changes);
        }
    }

    /// <summary>
    /// A database context for work under the gate, its clock read now. On PostgreSQL (where replicas may share the
    /// database) it works in a transaction holding the replicas' advisory lock (<see cref="ReplicaLockKey"/>), taken
    /// before anything is read; <see cref="LedgerWrite.CommitAsync"/> commits it, disposing without committing rolls back.
    /// </summary>
    internal async Task<LedgerWrite> OpenAsync(LedgerChanges changes, CancellationToken cancellationToken)
    {
        var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        if (db.Database.IsNpgsql())
        {
            try
            {
                await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({ReplicaLockKey})", cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await db.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        return new LedgerWrite(this, db, time.GetUtcNow(), changes);
    }

    /// <summary>Sends a message to a node through whichever replica holds its session (this one first).</summary>
    internal void Send(string node, CoordinatorMessage message) => replicas.Send(node, message);

    /// <summary>Holds the gate until disposed, so session messages queue up and then commit together (tests of the group commit).</summary>
    internal async Task<IDisposable> PauseAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        return new GateHold(_gate);
    }

    public void Dispose() => _gate.Dispose();

    /// <summary>Offers the waiting runs of nodes this replica holds, when another replica asks (<see cref="ReplicaBus"/>).</summary>
    internal Task OfferAsync(IReadOnlyList<string> nodes) =>
        WriteAsync(
            async write =>
            {
                foreach (var node in nodes)
                {
                    write.Changes.MayOffer(node);
                }

                await write.CommitAsync(CancellationToken.None).ConfigureAwait(false);
            },
            CancellationToken.None);

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
}

/// <summary>
/// The evaluations (and which of their runs) and nodes touched under one hold of the gate: watchers are woken with the
/// runs that changed, so the live state (ReadModel/LiveEvaluations) reads those runs again and no others; free slots offered.
/// </summary>
public sealed class LedgerChanges
{
    private readonly Dictionary<string, HashSet<string>> _evaluations = new(StringComparer.Ordinal);
    private readonly HashSet<string> _nodes = new(StringComparer.Ordinal);

    /// <summary>The evaluation itself changed (closed, cancelled): its watchers read it again.</summary>
    public void Evaluation(EvaluationEntity evaluation)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        Evaluation(evaluation.Id);
    }

    /// <inheritdoc cref="Evaluation(EvaluationEntity)"/>
    public void Evaluation(string evaluationId) => RunsOf(evaluationId);

    /// <summary>A run of the evaluation changed (state, progress, result).</summary>
    public void Run(string evaluationId, string runId) => RunsOf(evaluationId).Add(runId);

    private readonly HashSet<string> _remoteNodes = new(StringComparer.Ordinal);

    /// <summary>The evaluations changed, each with its changed runs (empty: only the evaluation itself).</summary>
    internal IEnumerable<(string Evaluation, IReadOnlyCollection<string> Runs)> Evaluations => _evaluations.Select(e => (e.Key, (IReadOnlyCollection<string>)e.Value));

    /// <summary>A node that may take offers but whose session is not on this replica: the replica holding it is told (ReplicaBus).</summary>
    public void RemoteNode(string node) => _remoteNodes.Add(node);

    /// <summary>The nodes noted by <see cref="RemoteNode"/> since the last call.</summary>
    internal IReadOnlyList<string> TakeRemoteNodes()
    {
        var nodes = _remoteNodes.Order(StringComparer.Ordinal).ToList();
        _remoteNodes.Clear();
        return nodes;
    }

    /// <summary>A run at <paramref name="node"/> left a slot, or the node may take waiting runs: the next commit offers them.</summary>
    public void MayOffer(string node) => _nodes.Add(node);

    /// <summary>The nodes noted by <see cref="MayOffer"/> since the last call.</summary>
    public IReadOnlyList<string> TakeNodes()
    {
        var nodes = _nodes.Order(StringComparer.Ordinal).ToList();
        _nodes.Clear();
        return nodes;
    }

    internal void Publish(EvaluationChangeNotifier notifier)
    {
        foreach (var (id, runs) in _evaluations)
        {
            notifier.Publish(id, runs);
        }
    }

    private HashSet<string> RunsOf(string evaluationId)
    {
        if (!_evaluations.TryGetValue(evaluationId, out var runs))
        {
            runs = new HashSet<string>(StringComparer.Ordinal);
            _evaluations.Add(evaluationId, runs);
        }

        return runs;
    }
}
