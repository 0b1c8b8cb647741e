using System.Runtime.CompilerServices;
using Partages.Coordinator.Evaluators;
using Partages.Coordinator.Hosting;
using Partages.Coordinator.Scheduling;

namespace Partages.Coordinator.ReadModel;

/// <summary>
/// The evaluations someone is watching (WatchEvaluation, the JSON API's and the dashboard's event stream), kept in
/// memory and brought up to date change by change: each committed change names the runs it touched
/// (<see cref="EvaluationChangeNotifier.Changed"/>), and only those are read again, once for every watcher of the
/// evaluation. A watcher is sent the whole evaluation first, then only what changed since its last message
/// (<see cref="EvaluationFollower.ChangesSince"/>). Before, every watcher re-read every run (with its result) after
/// every change, which at 1,000 nodes made the last result take a minute to reach the evaluator
/// (docs/benchmarks-federation.md). An evaluation nobody watches is not kept; one kept holds one view per run, so
/// memory grows with its nodes, not with its changes or its watchers.
/// </summary>
public sealed partial class LiveEvaluations : IDisposable
{
    private readonly CoordinatorReadModel _readModel;
    private readonly EvaluationChangeNotifier _notifier;
    private readonly ILogger<LiveEvaluations> _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LiveEvaluation> _live = new(StringComparer.Ordinal);

    public LiveEvaluations(CoordinatorReadModel readModel, EvaluationChangeNotifier notifier, ILogger<LiveEvaluations> logger)
    {
        _readModel = readModel;
        _notifier = notifier;
        _logger = logger;
        notifier.Changed += OnChanged;
    }

    /// <summary>Whether the evaluation is held in memory now (tests: not once nobody watches it).</summary>
    internal bool Holds(string evaluationId)
    {
        lock (_lock)
        {
            return _live.ContainsKey(evaluationId);
        }
    }

    /// <summary>
    /// Starts following an evaluation; null when it does not exist or <paramref name="caller"/> may not see it (the
    /// same answer, as <see cref="EvaluationAccess"/> wants). Dispose the follower when done.
    /// </summary>
    /// <exception cref="LiveStateUnavailableException">The evaluation could not be read.</exception>
    public async Task<EvaluationFollower?> FollowAsync(EvaluatorIdentity caller, string evaluationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        LiveEvaluation live;
        var created = false;
        lock (_lock)
        {
            if (!_live.TryGetValue(evaluationId, out live!) || live.Faulted)
            {
                // Registered before its first read, so a change committed meanwhile is read after it.
                live = new LiveEvaluation(evaluationId, this);
                _live[evaluationId] = live;
                created = true;
            }

            live.Followers++;
        }

        if (created)
        {
            live.Refresh(null);
        }

        var follower = new EvaluationFollower(live, this);
        try
        {
            await live.Loaded.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            follower.Dispose();
            throw;
        }

        if (live.Missing || !EvaluationAccess.CanSee(caller, live.Owner))
        {
            follower.Dispose();
            return null;
        }

        return follower;
    }

    public void Dispose() => _notifier.Changed -= OnChanged;

    /// <summary>Where committed changes are announced (another replica's arrive through it too).</summary>
    public EvaluationChangeNotifier Notifier => _notifier;

    /// <summary>Reads every held evaluation again whole (after changes may have been missed: a replica reconnecting to PostgreSQL).</summary>
    internal void RefreshAll()
    {
        List<LiveEvaluation> held;
        lock (_lock)
        {
            held = [.. _live.Values];
        }

        foreach (var live in held)
        {
            live.Refresh(null);
        }
    }

    internal void Release(LiveEvaluation live)
    {
        lock (_lock)
        {
            if (--live.Followers == 0 && _live.TryGetValue(live.Id, out var held) && ReferenceEquals(held, live))
            {
                _live.Remove(live.Id);
            }
        }
    }

    internal void Forget(LiveEvaluation live)
    {
        lock (_lock)
        {
            if (_live.TryGetValue(live.Id, out var held) && ReferenceEquals(held, live))
            {
                _live.Remove(live.Id);
            }
        }
    }

    internal Task<(EvaluationView Evaluation, IReadOnlyList<RunView> Runs)?> ReadAsync(string evaluationId, IReadOnlyCollection<string>? runIds) =>
        _readModel.LiveReadAsync(evaluationId, runIds, CancellationToken.None);

    internal void ReadFailed(string evaluationId, Exception exception) => Log.ReadFailed(_logger, exception, evaluationId);

    private void OnChanged(string evaluationId, IReadOnlyCollection<string>? runIds)
    {
        LiveEvaluation? live;
        lock (_lock)
        {
            _live.TryGetValue(evaluationId, out live);
        }

        live?.Refresh(runIds);
    }

    private static partial class Log
    {
        [LoggerMessage(1800, LogLevel.Warning, "The live state of evaluation {EvaluationId} could not be read; its watchers are told to watch again.")]
        public static partial void ReadFailed(ILogger logger, Exception exception, string evaluationId);
    }
}

/// <summary>The live state could not be read from the database: the watcher's stream ends UNAVAILABLE and the client watches again.</summary>
public sealed class LiveStateUnavailableException(string evaluationId, Exception? inner = null)
    : Exception($"The state of evaluation '{evaluationId}' could not be read; watch it again.", inner);

/// <summary>
/// One watcher's view of a <see cref="LiveEvaluation"/>: the whole evaluation, then what changed since a version. Take
/// <see cref="NextChange"/> before reading, so a change made after the read always wakes the watcher.
/// </summary>
public sealed class EvaluationFollower : IDisposable
{
    private readonly LiveEvaluation _live;
    private readonly LiveEvaluations _owner;
    private int _disposed;

    internal EvaluationFollower(LiveEvaluation live, LiveEvaluations owner)
    {
        _live = live;
        _owner = owner;
    }

    /// <summary>Completes at the next change read into memory (or when the state could not be read).</summary>
    public Task NextChange() => _live.NextChange;

    /// <summary>The whole evaluation now, and the version it stands at.</summary>
    /// <exception cref="LiveStateUnavailableException">The state could not be read.</exception>
    public EvaluationView Snapshot(out long version) => _live.Snapshot(out version);

    /// <summary>
    /// The evaluation with only the runs that changed after <paramref name="version"/> (every other field current), and
    /// the version it now stands at in <paramref name="version"/>; null when nothing changed.
    /// </summary>
    /// <exception cref="LiveStateUnavailableException">The state could not be read.</exception>
    public EvaluationView? ChangesSince(ref long version) => _live.ChangesSince(ref version);

    /// <summary>
    /// The whole evaluation now, then after each change either what changed (<paramref name="changesOnly"/>, marked
    /// IsChange) or the whole evaluation again, until it is final or <paramref name="ended"/>. Every message is taken
    /// from memory; a watcher that falls behind skips the versions it missed (a change carries every run changed since
    /// its previous message), so a slow client costs no backlog.
    /// </summary>
    /// <exception cref="LiveStateUnavailableException">The state could not be read.</exception>
    public async IAsyncEnumerable<(EvaluationView View, bool IsChange)> MessagesAsync(bool changesOnly, [EnumeratorCancellation] CancellationToken ended)
    {
        var changed = NextChange();
        var current = Snapshot(out var version);
        yield return (current, false);
        while (current.State == Running && await StreamShutdown.ContinuesAfterAsync(changed, ended).ConfigureAwait(false))
        {
            // Subscribe before reading, so a change read into memory after this read always wakes the loop.
            changed = NextChange();
            if (ChangesSince(ref version) is not { } change)
            {
                continue;
            }

            current = changesOnly ? change : Snapshot(out version);
            yield return (current, changesOnly);
        }
    }

    private static readonly string Running = CoordinatorReadModel.StateName(EvaluationStatus.Running);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _owner.Release(_live);
        }
    }
}
