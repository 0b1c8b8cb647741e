using System.Collections.Concurrent;
using Partages.Coordinator.Sessions;

namespace Partages.Coordinator.Scheduling;

/// <summary>
/// Session messages wait here for the ledger's gate; whoever drains the inbox applies all that queued in one
/// transaction (group commit): with hundreds of nodes, a commit and its fsync per heartbeat or progress report capped
/// the whole coordinator at a few hundred messages a second (docs/benchmarks.md). How each message is applied is
/// <see cref="SessionMessages"/>' business.
/// </summary>
public sealed class SessionInbox(RunLedger ledger, SessionMessages messages)
{
    /// <summary>Session messages in one transaction at most.</summary>
    private const int MaxMessagesPerCommit = 256;

    private readonly ConcurrentQueue<PendingMessage> _inbox = new();
    private int _draining;

    /// <summary>Session messages waiting for the gate (tests of the group commit).</summary>
    internal int QueuedMessages => _inbox.Count;

    /// <summary>
    /// Applies one message from a node's session and returns once it is committed; false when the node has been revoked
    /// meanwhile. A session sends its next message only after this returns, so a node's messages keep their order.
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
                try
                {
                    // No caller's token: the batch carries other nodes' messages, which one node hanging up must not cancel.
                    await ledger.HoldAsync(ApplyQueuedAsync, CancellationToken.None).ConfigureAwait(false);
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
            }

            Volatile.Write(ref _draining, 0);
            // A message queued after the check above, by a caller that saw the drainer still running, is taken here.
            if (_inbox.IsEmpty || Interlocked.CompareExchange(ref _draining, 1, 0) != 0)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Under the gate: applies the queued session messages in one transaction. If the batch fails, each message is
    /// applied again alone, so only the sender of a bad message sees the error.
    /// </summary>
    private async Task<bool> ApplyQueuedAsync(LedgerChanges changes)
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

        return true;
    }

    private async Task ApplyBatchAsync(IReadOnlyList<PendingMessage> batch, LedgerChanges changes)
    {
        var cancellationToken = CancellationToken.None;
        await using var write = await ledger.OpenAsync(changes, cancellationToken).ConfigureAwait(false);
        var outcomes = new List<(PendingMessage Pending, bool Accepted, List<CoordinatorMessage> Replies)>(batch.Count);
        foreach (var pending in batch)
        {
            var replies = new List<CoordinatorMessage>();
            var accepted = await messages.ApplyAsync(write, pending.Session, pending.Message, replies, cancellationToken).ConfigureAwait(false);
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
            ledger.Sessions.PublishChange();
        }
    }

    /// <summary>A session message waiting for the gate; completed once its batch is committed (or with its error).</summary>
    private sealed class PendingMessage(NodeSession session, NodeMessage message)
    {
        public NodeSession Session { get; } = session;

        public NodeMessage Message { get; } = message;

        public TaskCompletionSource<bool> Applied { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
