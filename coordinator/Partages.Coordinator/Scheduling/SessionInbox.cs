using Partages.Coordinator.Sessions;

namespace Partages.Coordinator.Scheduling;

/// <summary>
/// Session messages wait here for the ledger's gate; whoever drains the inbox applies all that queued in one
/// transaction (group commit): with hundreds of nodes, a commit and its fsync per heartbeat or progress report capped
/// the whole coordinator at a few hundred messages a second (docs/benchmarks.md). How each message is applied is
/// <see cref="SessionMessages"/>' business.
/// </summary>
public sealed class SessionInbox
{
    /// <summary>Session messages in one transaction at most.</summary>
    private const int MaxMessagesPerCommit = 256;

    private readonly RunLedger _ledger;
    private readonly SessionMessages _messages;
    private readonly GroupCommit<PendingMessage> _commits;

    public SessionInbox(RunLedger ledger, SessionMessages messages)
    {
        _ledger = ledger;
        _messages = messages;
        _commits = new GroupCommit<PendingMessage>(ledger, MaxMessagesPerCommit, ApplyBatchAsync);
    }

    /// <summary>Session messages waiting for the gate (tests of the group commit).</summary>
    internal int QueuedMessages => _commits.Queued;

    /// <summary>
    /// Applies one message from a node's session and returns once it is committed; false when the node has been revoked
    /// meanwhile. A session sends its next message only after this returns, so a node's messages keep their order.
    /// </summary>
    public Task<bool> HandleAsync(NodeSession session, NodeMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(message);
        return _commits.ApplyAsync(new PendingMessage(session, message), cancellationToken);
    }

    private async Task ApplyBatchAsync(IReadOnlyList<PendingMessage> batch, LedgerChanges changes)
    {
        var cancellationToken = CancellationToken.None;
        await using var write = await _ledger.OpenAsync(changes, cancellationToken).ConfigureAwait(false);
        var outcomes = new List<(PendingMessage Pending, bool Accepted, List<CoordinatorMessage> Replies)>(batch.Count);
        foreach (var pending in batch)
        {
            var replies = new List<CoordinatorMessage>();
            var accepted = await _messages.ApplyAsync(write, pending.Session, pending.Message, replies, cancellationToken).ConfigureAwait(false);
            outcomes.Add((pending, accepted, replies));
        }

        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
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
            _ledger.Sessions.PublishChange();
        }
    }

    /// <summary>A session message waiting for the gate.</summary>
    private sealed class PendingMessage(NodeSession session, NodeMessage message) : PendingWrite
    {
        public NodeSession Session { get; } = session;

        public NodeMessage Message { get; } = message;
    }
}
