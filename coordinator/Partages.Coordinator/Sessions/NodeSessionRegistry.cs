using System.Collections.Concurrent;

namespace Partages.Coordinator.Sessions;

/// <summary>The nodes connected right now, one session each; a node that reconnects replaces (and closes) its older session.</summary>
public sealed class NodeSessionRegistry
{
    private readonly ConcurrentDictionary<string, NodeSession> _sessions = new(StringComparer.Ordinal);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// A task that completes at the next <see cref="PublishChange"/>: a node connected or went, or a connected node's
    /// heartbeat was recorded. The dashboard's live node list waits on it instead of polling.
    /// </summary>
    public Task NextChange() => Volatile.Read(ref _changed).Task;

    /// <summary>Wakes <see cref="NextChange"/>'s watchers; called once the change is committed, so they read it.</summary>
    public void PublishChange() =>
        Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>Registers the session; returns the one it replaced (already closed), if any.</summary>
    public NodeSession? Register(NodeSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        NodeSession? previous = null;
        _sessions.AddOrUpdate(
            session.NodeName,
            session,
            (_, existing) =>
            {
                previous = existing;
                return session;
            });
        if (previous is not null && !ReferenceEquals(previous, session))
        {
            previous.Close();
            return previous;
        }

        return null;
    }

    /// <summary>Removes the session if it is still the node's current one.</summary>
    public bool Unregister(NodeSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        return _sessions.TryRemove(new KeyValuePair<string, NodeSession>(session.NodeName, session));
    }

    public bool IsOnline(string nodeName) => _sessions.ContainsKey(nodeName);

    /// <summary>The nodes with a session on this coordinator now.</summary>
    public IReadOnlyList<string> Names() => [.. _sessions.Keys];

    public bool TryGet(string nodeName, out NodeSession? session) => _sessions.TryGetValue(nodeName, out session);

    /// <summary>Queues a message to the node if it is connected.</summary>
    public bool TrySend(string nodeName, CoordinatorMessage message) =>
        _sessions.TryGetValue(nodeName, out var session) && session.TrySend(message);

    /// <summary>Closes the node's session, if it has one (the node was revoked).</summary>
    public void Disconnect(string nodeName)
    {
        if (_sessions.TryRemove(nodeName, out var session))
        {
            session.Close();
            PublishChange();
        }
    }

    public int Count => _sessions.Count;
}
