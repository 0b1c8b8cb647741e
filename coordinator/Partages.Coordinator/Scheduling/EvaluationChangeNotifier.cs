using System.Collections.Concurrent;

namespace Partages.Coordinator.Scheduling;

/// <summary>
/// Tells watchers that an evaluation changed, without polling. A watcher takes <see cref="NextChange"/> before
/// reading the evaluation, so a change made after its read always wakes it.
/// </summary>
public sealed class EvaluationChangeNotifier
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _pending = new(StringComparer.Ordinal);
    private TaskCompletionSource _anyChange = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Called with each committed change before the waiters are woken, so the live state (ReadModel/LiveEvaluations)
    /// knows which runs to read again: the evaluation's id and its changed runs' ids (empty: only the evaluation
    /// itself changed; null: not known, read it all).
    /// </summary>
    public event Action<string, IReadOnlyCollection<string>?>? Changed;

    /// <summary>A task that completes at the evaluation's next change.</summary>
    public Task NextChange(string evaluationId) =>
        _pending.GetOrAdd(evaluationId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>A task that completes at the next change of any evaluation (the dashboard's live lists wait on it).</summary>
    public Task NextAnyChange() => Volatile.Read(ref _anyChange).Task;

    /// <summary>The evaluation changed, once committed; <paramref name="runIds"/> as <see cref="Changed"/> says.</summary>
    public void Publish(string evaluationId, IReadOnlyCollection<string>? runIds = null)
    {
        Changed?.Invoke(evaluationId, runIds);
        if (_pending.TryRemove(evaluationId, out var waiters))
        {
            waiters.TrySetResult();
        }

        Interlocked.Exchange(ref _anyChange, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }
}
