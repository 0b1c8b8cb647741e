using System.Collections.Concurrent;

namespace Partages.Coordinator.Sessions;

/// <summary>
/// The nodes connected right now, one session each; a node that reconnects replaces (and closes) its older session.
/// With replicas, whether a node is online also depends on the others (<see cref="IsOnline(string, DateTimeOffset?)"/>).
/// </summary>
/// <param name="elsewhereFor">
/// Replicas only (null with one coordinator): how recent a last-seen time written by another replica (a hello, a
/// heartbeat) must be for the node to count as online here.
/// </param>
public sealed class NodeSessionRegistry(TimeProvider? time = null, TimeSpan? elsewhereFor = null)
{
    private readonly ConcurrentDictionary<string, NodeSession> _sessions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _left = new(StringComparer.Ordinal);
    private readonly TimeProvider _time = time ?? TimeProvider.System;
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

    /// <summary>Whether the node has a session on this coordinator (offers and messages go through it).</summary>
    public bool IsOnline(string nodeName) => _sessions.ContainsKey(nodeName);

    /// <summary>
    /// Whether the node is online on any replica: a session here, or (replicas) a last-seen time written within
    /// <c>elsewhereFor</c> and after the node's session last ended (<see cref="RecordLeft"/>, here or on another replica,
    /// whose time is compared as that replica wrote it). A node whose replica was killed shows online until the window
    /// passes, or until it reconnects elsewhere.
    /// </summary>
    public bool IsOnline(string nodeName, DateTimeOffset? lastSeen)
    {
        if (_sessions.ContainsKey(nodeName))
        {
            return true;
        }

        return elsewhereFor is { } window && lastSeen is { } seen && seen >= _time.GetUtcNow() - window
            && !(_left.TryGetValue(nodeName, out var left) && seen <= left);
    }

    /// <summary>
    /// The node's session ended at <paramref name="at"/> (the last-seen time written then): a last-seen time not after it
    /// is not a sign of life. <paramref name="here"/>: on this replica, so <see cref="Left"/> tells the others.
    /// </summary>
    public void RecordLeft(string nodeName, DateTimeOffset at, bool here = true)
    {
        _left.AddOrUpdate(nodeName, at, (_, previous) => at > previous ? at : previous);
        if (here)
        {
            Left?.Invoke(nodeName, at);
        }
    }

    /// <summary>Raised when a session on this replica ended (ReplicaBus tells the other replicas).</summary>
    public event Action<string, DateTimeOffset>? Left;

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
