namespace Partages.NodeAgent.Session;

/// <summary>
/// Messages waiting for the session stream. Job outcomes (accepted, rejected, failed, cancelled) queue in order
/// and survive a disconnection; progress keeps only the latest value per run; a heartbeat is a flag the writer
/// turns into a fresh message. One writer (the session) drains it, so stream writes never overlap.
/// </summary>
public sealed class Outbox
{
    private readonly Lock _gate = new();
    private readonly LinkedList<NodeMessage> _queue = new();
    private readonly Dictionary<string, JobProgress> _progress = new(StringComparer.Ordinal);
    private readonly List<string> _progressOrder = [];
    private readonly SemaphoreSlim _signal = new(0, 1);
    private bool _heartbeatDue;

    /// <summary>Raised after a message is queued (the node log and the tests follow jobs' outcomes through it).</summary>
    public event Action<NodeMessage>? Enqueued;

    /// <summary>Messages queued and not yet written (progress and heartbeats excluded).</summary>
    public int PendingCount
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    public void Enqueue(NodeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        lock (_gate)
        {
            _queue.AddLast(message);
        }

        Signal();
        Enqueued?.Invoke(message);
    }

    /// <summary>Replaces any unsent progress of the same run.</summary>
    public void ReportProgress(JobProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        lock (_gate)
        {
            if (!_progress.ContainsKey(progress.RunId))
            {
                _progressOrder.Add(progress.RunId);
            }

            _progress[progress.RunId] = progress;
        }

        Signal();
    }

    /// <summary>Drops unsent progress of a run that has ended: it would only arrive after its final message.</summary>
    public void DropProgress(string runId)
    {
        lock (_gate)
        {
            if (_progress.Remove(runId))
            {
                _progressOrder.Remove(runId);
            }
        }
    }

    public void RequestHeartbeat()
    {
        lock (_gate)
        {
            _heartbeatDue = true;
        }

        Signal();
    }

    /// <summary>At the start of a session: a heartbeat due from the last one is moot (Hello says the same).</summary>
    public void ResetSessionState()
    {
        lock (_gate)
        {
            _heartbeatDue = false;
        }
    }

    /// <summary>
    /// The next thing to write, without removing it: queued messages first, then progress, then a heartbeat
    /// (built by <paramref name="heartbeat"/>). Call <see cref="Complete"/> once it has been written.
    /// </summary>
    public bool TryPeek(Func<NodeMessage> heartbeat, out OutboxItem item)
    {
        ArgumentNullException.ThrowIfNull(heartbeat);
        lock (_gate)
        {
            if (_queue.First is { } first)
            {
                item = new OutboxItem(first.Value, OutboxItemKind.Queued);
                return true;
            }

            if (_progressOrder.Count > 0)
            {
                item = new OutboxItem(new NodeMessage { Progress = _progress[_progressOrder[0]] }, OutboxItemKind.Progress);
                return true;
            }

            if (_heartbeatDue)
            {
                item = new OutboxItem(heartbeat(), OutboxItemKind.Heartbeat);
                return true;
            }
        }

        item = default;
        return false;
    }

    /// <summary>Removes a written item; a newer progress value that replaced it meanwhile stays.</summary>
    public void Complete(OutboxItem item)
    {
        lock (_gate)
        {
            switch (item.Kind)
            {
                case OutboxItemKind.Queued when _queue.First is { } first && ReferenceEquals(first.Value, item.Message):
                    _queue.RemoveFirst();
                    break;
                case OutboxItemKind.Progress when _progress.TryGetValue(item.Message.Progress.RunId, out var latest) && ReferenceEquals(latest, item.Message.Progress):
                    _progress.Remove(item.Message.Progress.RunId);
                    _progressOrder.Remove(item.Message.Progress.RunId);
                    break;
                case OutboxItemKind.Heartbeat:
                    _heartbeatDue = false;
                    break;
                default:
                    break;
            }
        }
    }

    /// <summary>Completes when something may be ready to write.</summary>
    public Task WaitAsync(CancellationToken cancellationToken) => _signal.WaitAsync(cancellationToken);

    private void Signal()
    {
        try
        {
            if (_signal.CurrentCount == 0)
            {
                _signal.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Another producer signalled between the check and the release: one pending signal is enough.
        }
    }
}

public enum OutboxItemKind
{
    Queued,
    Progress,
    Heartbeat,
}

public readonly record struct OutboxItem(NodeMessage Message, OutboxItemKind Kind);
