namespace Partages.Testing;

/// <summary>
/// Records progress synchronously on the reporting thread (unlike <see cref="Progress{T}"/>, which posts), so a
/// test can act at an exact point of a run, such as cancelling right after the first batch, without sleeping.
/// </summary>
public sealed class RecordingProgress<T>(Action<T>? onReport = null) : IProgress<T>
{
    private readonly List<T> _reports = [];

    public IReadOnlyList<T> Reports
    {
        get
        {
            lock (_reports)
            {
                return [.. _reports];
            }
        }
    }

    public void Report(T value)
    {
        lock (_reports)
        {
            _reports.Add(value);
        }

        onReport?.Invoke(value);
    }
}
