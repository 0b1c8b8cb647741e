namespace Partages.Coordinator.ReadModel;

/// <summary>
/// One watched evaluation in memory (<see cref="LiveEvaluations"/>): the evaluation's own fields, one view per run,
/// and for each the version at which it last changed. Changes mark runs to read again; one reader at a time reads
/// them (every change that arrives while it reads is taken by its next read, so a burst of commits costs a few reads,
/// not one per commit per watcher), and each read bumps the version and wakes the watchers.
/// </summary>
internal sealed class LiveEvaluation(string id, LiveEvaluations owner)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (RunView View, long Version)> _runs = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private HashSet<string> _dirtyRuns = new(StringComparer.Ordinal);
    private bool _dirtyAll;
    private bool _dirty;
    private bool _reading;
    private EvaluationView? _evaluation;
    private long _evaluationVersion;
    private long _version;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private LiveStateUnavailableException? _failure;

    public string Id => id;

    /// <summary>Watchers following it; guarded by the owner's lock.</summary>
    public int Followers { get; set; }

    /// <summary>Completes after the first read (with the failure if it failed).</summary>
    public Task Loaded => _loaded.Task;

    /// <summary>After <see cref="Loaded"/>: no such evaluation.</summary>
    public bool Missing { get; private set; }

    public string Owner
    {
        get
        {
            lock (_lock)
            {
                return _evaluation?.Owner ?? "";
            }
        }
    }

    public bool Faulted
    {
        get
        {
            lock (_lock)
            {
                return _failure is not null;
            }
        }
    }

    public Task NextChange
    {
        get
        {
            lock (_lock)
            {
                return _changed.Task;
            }
        }
    }

    /// <summary>Marks runs (null: all) and the evaluation to be read again, and starts the reader if none runs.</summary>
    public void Refresh(IReadOnlyCollection<string>? runIds)
    {
        lock (_lock)
        {
            if (runIds is null)
            {
                _dirtyAll = true;
            }
            else
            {
                _dirtyRuns.UnionWith(runIds);
            }

            _dirty = true;
            if (_reading || _failure is not null)
            {
                return;
            }

            _reading = true;
        }

        _ = Task.Run(ReadAsync);
    }

    public EvaluationView Snapshot(out long version)
    {
        lock (_lock)
        {
            ThrowIfFailed();
            version = _version;
            return _evaluation! with { Runs = Ordered(_runs.Values.Select(r => r.View)) };
        }
    }

    public EvaluationView? ChangesSince(ref long version)
    {
        lock (_lock)
        {
            ThrowIfFailed();
            var since = version;
            version = _version;
            if (_version == since)
            {
                return null;
            }

            var runs = Ordered(_runs.Values.Where(r => r.Version > since).Select(r => r.View));
            return runs.Count == 0 && _evaluationVersion <= since ? null : _evaluation! with { Runs = runs };
        }
    }

    private static List<RunView> Ordered(IEnumerable<RunView> runs) => [.. runs.OrderBy(r => r.NodeName, StringComparer.Ordinal)];

    private void ThrowIfFailed()
    {
        if (_failure is not null)
        {
            throw _failure;
        }
    }

    private async Task ReadAsync()
    {
        while (true)
        {
            IReadOnlyCollection<string>? runIds;
            lock (_lock)
            {
                if (!_dirty)
                {
                    _reading = false;
                    return;
                }

                runIds = _dirtyAll ? null : _dirtyRuns;
                _dirtyRuns = new HashSet<string>(StringComparer.Ordinal);
                _dirtyAll = false;
                _dirty = false;
            }

            try
            {
                Apply(await owner.ReadAsync(id, runIds).ConfigureAwait(false));
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Its watchers end (UNAVAILABLE) and watch again, which reads it whole; nothing is retried in a loop here.
                owner.ReadFailed(id, ex);
                owner.Forget(this);
                TaskCompletionSource woken;
                lock (_lock)
                {
                    _failure = new LiveStateUnavailableException(id, ex);
                    _reading = false;
                    woken = _changed;
                }

                _loaded.TrySetException(_failure);
                woken.TrySetResult();
                return;
            }
        }
    }

    private void Apply((EvaluationView Evaluation, IReadOnlyList<RunView> Runs)? read)
    {
        TaskCompletionSource? woken = null;
        lock (_lock)
        {
            if (read is null)
            {
                Missing = _evaluation is null;
            }
            else
            {
                var (evaluation, runs) = read.Value;
                var evaluationChanged = _evaluation is null || !SameEvaluation(_evaluation, evaluation);
                if (evaluationChanged || runs.Count > 0)
                {
                    _version++;
                    woken = _changed;
                    _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                if (evaluationChanged)
                {
                    _evaluation = evaluation;
                    _evaluationVersion = _version;
                }

                foreach (var run in runs)
                {
                    _runs[run.Id] = (run, _version);
                }
            }
        }

        _loaded.TrySetResult();
        woken?.TrySetResult();
    }

    /// <summary>What of an evaluation's own fields can change after its submission: its state, reason, end and pooled result.</summary>
    private static bool SameEvaluation(EvaluationView a, EvaluationView b) =>
        a.State == b.State && a.Reason == b.Reason && a.CompletedAt == b.CompletedAt
        && a.IncludedSites.SequenceEqual(b.IncludedSites) && a.MissingSites.SequenceEqual(b.MissingSites)
        && string.Equals(a.PooledResultJson, b.PooledResultJson, StringComparison.Ordinal);
}
