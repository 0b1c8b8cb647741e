namespace Partages.NodeAgent.Jobs;

/// <summary>
/// Lets a progress report through when enough time has passed or enough work was done since the last one,
/// and always the first and the last: the coordinator sees movement without a message per document.
/// </summary>
internal sealed class ProgressThrottle(TimeProvider timeProvider, TimeSpan interval, double step)
{
    private long _lastTimestamp;
    private long _lastDone = -1;

    public bool ShouldReport(long done, long total)
    {
        var now = timeProvider.GetTimestamp();
        var first = _lastDone < 0;
        var finished = total > 0 && done >= total && _lastDone < total;
        var late = !first && timeProvider.GetElapsedTime(_lastTimestamp, now) >= interval;
        var moved = !first && total > 0 && done - _lastDone >= step * total;
        if (!(first || finished || late || moved) || done == _lastDone)
        {
            return false;
        }

        _lastTimestamp = now;
        _lastDone = done;
        return true;
    }
}

/// <summary>An <see cref="IProgress{T}"/> that reports on the caller's thread, in order (unlike <see cref="Progress{T}"/>).</summary>
internal sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
