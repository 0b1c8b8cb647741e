namespace Partages.NodeAgent.Engine.Tests.Infrastructure;

/// <summary>
/// Records progress synchronously on the reporting thread (unlike <see cref="Progress{T}"/>, which posts), so a
/// test can act at an exact point of a run, such as cancelling right after the first batch, without sleeping.
/// </summary>
internal sealed class RecordingProgress(Action<EvaluationProgress>? onReport = null) : IProgress<EvaluationProgress>
{
    private readonly List<EvaluationProgress> _reports = [];

    public IReadOnlyList<EvaluationProgress> Reports
    {
        get
        {
            lock (_reports)
            {
                return [.. _reports];
            }
        }
    }

    public void Report(EvaluationProgress value)
    {
        lock (_reports)
        {
            _reports.Add(value);
        }

        onReport?.Invoke(value);
    }
}
