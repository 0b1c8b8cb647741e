namespace Partages.NodeAgent.Tests.Isolation;

/// <summary>
/// The isolated engine with real worker processes running real ONNX graphs: a normal one, one that loops past the
/// run's time limit. Limits are small (seconds, a few hundred MB) so the tests are fast. What a report that makes the
/// model fail does to a run is in <see cref="WorkerFaultTests"/>.
/// </summary>
[NonParallelizable]
public sealed class IsolatedEvaluationEngineTests : WorkerProcessTests
{
    private static readonly TimeSpan GenerousTimeout = RunTimeout;

    [Test]
    public async Task EvaluateAsync_NormalModel_ReturnsTheInProcessEnginesResult()
    {
        var job = IsolationTestModel.WriteJob(Scratch.Path, GraphBehaviour.Normal);
        var progress = new RecordingProgress<EvaluationProgress>();

        var isolated = await Engine(GenerousTimeout).EvaluateAsync(job, progress, CancellationToken.None);
        var inProcess = await new EvaluationEngine(new EvaluationEngineOptions()).EvaluateAsync(job, null, CancellationToken.None);

        // What leaves the node is the serialized document: it must be the same bytes.
        ResultJson.Serialize(isolated).Should().Be(ResultJson.Serialize(inProcess));
        isolated.ConfusionMatrix.Matrix.Should().BeEquivalentTo(
            new long[][] { [2, 1], [1, 2] },
            options => options.WithStrictOrdering(),
            "rows are gold and columns predicted in the spec's order BLSE, sensible");
        progress.Reports.Should().NotBeEmpty().And.EndWith(new EvaluationProgress(6, 6));
    }

    [Test]
    public async Task EvaluateAsync_ModelLoopingPastTheRunTimeLimit_FailsWithTheTimeReasonAndKillsTheWorker()
    {
        var engine = Engine(TimeSpan.FromSeconds(3));
        var started = Watch(engine);
        var job = IsolationTestModel.WriteJob(Scratch.Path, GraphBehaviour.LoopsForever);
        var clock = Stopwatch.StartNew();

        var run = () => engine.EvaluateAsync(job, null, CancellationToken.None);

        (await run.Should().ThrowExactlyAsync<EvaluationRefusedException>())
            .WithMessage("run exceeded the time limit of 3 seconds");
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(30), "the worker is killed at the limit, not when the loop ends");
        started.Should().ContainSingle();
        IsGone(started.Single()).Should().BeTrue();
    }

    [Test]
    public async Task EvaluateAsync_Cancelled_KillsTheWorker()
    {
        var engine = Engine(GenerousTimeout);
        using var cancellation = new CancellationTokenSource();
        var workerPid = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        engine.WorkerStarted += pid => workerPid.TrySetResult(pid);
        var job = IsolationTestModel.WriteJob(Scratch.Path, GraphBehaviour.LoopsForever);

        var run = engine.EvaluateAsync(job, null, cancellation.Token);
        var pid = await workerPid.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await cancellation.CancelAsync();

        await FluentActions.Awaiting(() => run).Should().ThrowAsync<OperationCanceledException>();
        IsGone(pid).Should().BeTrue();
        Logs.Entries.Should().Contain(e => e.EventId.Id == 1105);
    }

    [Test]
    public async Task EvaluateAsync_JobTheEngineRefuses_FailsWithTheEnginesReason()
    {
        var spec = IsolationTestModel.Spec with { Labels = ["BLSE", "SARM"] };
        var job = IsolationTestModel.WriteJob(Scratch.Path, GraphBehaviour.Normal, spec: spec);
        var inProcess = () => new EvaluationEngine(new EvaluationEngineOptions()).EvaluateAsync(job, null, CancellationToken.None);
        var expected = (await inProcess.Should().ThrowAsync<EvaluationRefusedException>()).Which.Message;

        var isolated = () => Engine(GenerousTimeout).EvaluateAsync(job, null, CancellationToken.None);

        (await isolated.Should().ThrowExactlyAsync<EvaluationRefusedException>()).WithMessage(expected);
    }

    [Test]
    public async Task InspectAsync_Dataset_IsTheInProcessEnginesAnswer()
    {
        var job = IsolationTestModel.WriteJob(Scratch.Path, GraphBehaviour.Normal);

        var info = await Engine(GenerousTimeout).InspectAsync(job.Dataset, CancellationToken.None);

        info.Should().Be(await new EvaluationEngine().InspectAsync(job.Dataset, CancellationToken.None));
    }

    [Test]
    public void Constructor_WorkerMissing_ThrowsNamingThePath()
    {
        var missing = Scratch.Combine("nowhere", "Partages.NodeAgent.Worker.dll");

        var create = () => new IsolatedEvaluationEngine(
            new EvaluationEngine(), new EvaluationEngineOptions(), new WorkerLimits(GenerousTimeout, MemoryLimitMb), Logs.CreateLogger<IsolatedEvaluationEngine>(), workerPath: missing);

        create.Should().Throw<InvalidOperationException>().WithMessage($"*{missing}*");
    }

    private IsolatedEvaluationEngine Engine(TimeSpan timeout) => Engine(new EvaluationEngineOptions(), runTimeout: timeout);
}
