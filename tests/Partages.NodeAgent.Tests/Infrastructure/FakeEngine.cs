namespace Partages.NodeAgent.Tests.Infrastructure;

/// <summary>An <see cref="IEvaluationEngine"/> scripted by the test: counts to report, and what an evaluation does.</summary>
public sealed class FakeEngine : IEvaluationEngine
{
    private readonly TaskCompletionSource<EvaluationJob> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Document counts InspectAsync reports, by dataset name (default 1234).</summary>
    public Dictionary<string, long> DocumentCounts { get; } = new(StringComparer.Ordinal);

    /// <summary>What EvaluateAsync does once started; by default reports progress and returns <see cref="SampleResult"/>.</summary>
    public Func<EvaluationJob, IProgress<EvaluationProgress>?, CancellationToken, Task<ResultDocument>> Evaluate { get; set; } =
        (_, progress, _) =>
        {
            for (var done = 0; done <= 100; done += 10)
            {
                progress?.Report(new EvaluationProgress(done, 100));
            }

            return Task.FromResult(SampleResult());
        };

    /// <summary>Makes every evaluation run until it is cancelled (by the coordinator, or by the agent's stop).</summary>
    public void RunUntilCancelled() => Evaluate = async (_, _, token) =>
    {
        await Task.Delay(Timeout.Infinite, token);
        return SampleResult();
    };

    /// <summary>
    /// Makes every evaluation wait until the returned source is completed, then return <see cref="SampleResult"/>.
    /// <paramref name="cancellable"/> false: the wait ignores the run's token, as a run given a stop grace period is not
    /// cancelled while it lasts.
    /// </summary>
    public TaskCompletionSource RunUntilReleased(bool cancellable = true)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Evaluate = async (_, _, token) =>
        {
            await release.Task.WaitAsync(cancellable ? token : CancellationToken.None);
            return SampleResult();
        };
        return release;
    }

    /// <summary>Completes when the first evaluation starts, with its job.</summary>
    public Task<EvaluationJob> Started => _started.Task;

    public static ResultDocument SampleResult()
    {
        var counts = ClassificationCounts.FromMatrix(["sensible", "BLSE"], [[40, 2], [3, 55]]);
        return ResultDocument.FromCounts(
            "single_label_classification",
            counts,
            new InputSummary { DocumentsRead = 101, DocumentsEvaluated = 100, Skipped = new Dictionary<string, long> { ["empty_text"] = 1 } });
    }

    public Task<ResultDocument> EvaluateAsync(EvaluationJob job, IProgress<EvaluationProgress>? progress, CancellationToken cancellationToken)
    {
        _started.TrySetResult(job);
        return Evaluate(job, progress, cancellationToken);
    }

    public Task<DatasetInfo> InspectAsync(DatasetDefinition dataset, CancellationToken cancellationToken) =>
        Task.FromResult(new DatasetInfo(
            dataset.Name,
            dataset.Format,
            DocumentCounts.GetValueOrDefault(dataset.Name, 1234),
            new string('f', 64)));
}
