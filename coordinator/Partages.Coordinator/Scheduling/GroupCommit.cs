using System.Collections.Concurrent;

namespace Partages.Coordinator.Scheduling;

/// <summary>A write waiting for its group commit; completed once its batch is committed (or with its own error).</summary>
public abstract class PendingWrite
{
    public TaskCompletionSource<bool> Applied { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>
/// Writes wait here for the ledger's gate; whoever drains the queue applies all that queued in one transaction (group
/// commit): with hundreds of nodes, a commit and its fsync per message capped the whole coordinator at a few hundred
/// writes a second (docs/benchmarks-federation.md). The batch's work (<c>applyBatch</c>) completes each write once the
/// batch is committed; if the batch throws, each write is applied again alone, so only the sender of a bad one sees
/// the error. Used by the session inbox (heartbeats, progress) and by result intake.
/// </summary>
public sealed class GroupCommit<T>(RunLedger ledger, int maxPerCommit, Func<IReadOnlyList<T>, LedgerChanges, Task> applyBatch)
    where T : PendingWrite
{
    private readonly ConcurrentQueue<T> _queue = new();
    private int _draining;

    /// <summary>Writes waiting for the gate (tests of the group commit).</summary>
    public int Queued => _queue.Count;

    /// <summary>Queues <paramref name="pending"/> and returns once its batch is committed (its result, or its error).</summary>
    public async Task<bool> ApplyAsync(T pending, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pending);
        _queue.Enqueue(pending);
        // One drainer takes the gate once per batch; callers only wait for their write. (When every caller took the
        // gate just to find its write already applied, hundreds of hand-offs queued up ahead of submissions.)
        if (Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
        {
            _ = Task.Run(DrainAsync, CancellationToken.None);
        }

        return await pending.Applied.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Applies queued writes, one batch per hold of the gate, until the queue is empty.</summary>
    private async Task DrainAsync()
    {
        while (true)
        {
            while (!_queue.IsEmpty)
            {
                try
                {
                    // No caller's token: the batch carries other nodes' writes, which one node hanging up must not cancel.
                    await ledger.HoldAsync(ApplyQueuedAsync, CancellationToken.None).ConfigureAwait(false);
                }
                catch (ObjectDisposedException)
                {
                    // Shutting down: nothing will be applied any more.
                    while (_queue.TryDequeue(out var dropped))
                    {
                        dropped.Applied.TrySetCanceled();
                    }

                    return;
                }
            }

            Volatile.Write(ref _draining, 0);
            // A write queued after the check above, by a caller that saw the drainer still running, is taken here.
            if (_queue.IsEmpty || Interlocked.CompareExchange(ref _draining, 1, 0) != 0)
            {
                return;
            }
        }
    }

    /// <summary>Under the gate: applies the queued writes in one transaction, or each alone if that fails.</summary>
    private async Task<bool> ApplyQueuedAsync(LedgerChanges changes)
    {
        var batch = new List<T>();
        while (batch.Count < maxPerCommit && _queue.TryDequeue(out var next))
        {
            batch.Add(next);
        }

        try
        {
            await applyBatch(batch, changes).ConfigureAwait(false);
        }
        catch (Exception ex) when (batch.Count > 1 && ex is not OutOfMemoryException)
        {
            foreach (var pending in batch)
            {
                try
                {
                    await applyBatch([pending], changes).ConfigureAwait(false);
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
}
