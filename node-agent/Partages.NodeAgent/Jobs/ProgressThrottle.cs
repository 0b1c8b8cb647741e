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

/// <summary>
/// The running phase's progress as the coordinator sees it: only at fixed fractions of the dataset's line count (a
/// step of <c>ProgressStep</c>, 5 % by default), each step reported as that fraction exactly, every step once, with
/// the line count as the total. The line count is public under the replace-one relation (docs/adr/0006), so the values say nothing about
/// the reports; unlike a throttle by time or by batch, the messages do not trace batch timing either — what remains is
/// when each step is reached (docs/threat-model.md, "Timing").
/// </summary>
internal sealed class CoarseProgress
{
    private readonly int _steps;
    private long _lastStep;

    /// <param name="step">The fraction of the lines between two reports, in (0, 1].</param>
    public CoarseProgress(double step)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(step, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(step, 1);
        _steps = (int)Math.Max(1, Math.Round(1 / step));
    }

    /// <returns>
    /// The <c>done</c> values to report, in order: <paramref name="total"/> × k / steps for every step k reached since
    /// the last call — all of them, so that which values go out never depends on where the engine's batches end.
    /// </returns>
    public IReadOnlyList<long> Next(long done, long total)
    {
        if (total <= 0)
        {
            return [];
        }

        var step = (long)(Math.Clamp((decimal)done / total, 0, 1) * _steps);
        var crossed = new List<long>();
        for (; _lastStep < step; _lastStep++)
        {
            crossed.Add((long)((decimal)total * (_lastStep + 1) / _steps));
        }

        return crossed;
    }
}

/// <summary>An <see cref="IProgress{T}"/> that reports on the caller's thread, in order (unlike <see cref="Progress{T}"/>).</summary>
internal sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
