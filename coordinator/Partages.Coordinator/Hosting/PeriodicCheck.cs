namespace Partages.Coordinator.Hosting;

/// <summary>
/// A check the coordinator runs every <see cref="Interval"/> of the injected <see cref="TimeProvider"/>, so tests drive
/// it with their own clock and await <see cref="NextCheck"/> instead of sleeping. A check handles its own failures (a
/// busy database must not stop the loop: the next tick tries again); only the host's stop ends it.
/// </summary>
public abstract class PeriodicCheck(TimeProvider time) : BackgroundService
{
    private TaskCompletionSource _checked = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the next check has finished: a synchronisation point for tests that drive the clock.</summary>
    internal Task NextCheck => Volatile.Read(ref _checked).Task;

    /// <summary>How long between two checks (read once, at start).</summary>
    protected abstract TimeSpan Interval { get; }

    /// <summary>One check. Exceptions other than cancellation are the check's to log; one that escapes ends the loop.</summary>
    protected abstract Task CheckAsync(CancellationToken stoppingToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await CheckAsync(stoppingToken).ConfigureAwait(false);
                }
                finally
                {
                    Interlocked.Exchange(ref _checked, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }
}
