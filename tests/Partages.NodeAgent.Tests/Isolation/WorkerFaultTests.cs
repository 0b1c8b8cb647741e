using System.Globalization;

namespace Partages.NodeAgent.Tests.Isolation;

/// <summary>
/// Issue 22, finding 3: a run's visible outcome must not depend on any one report. Real worker processes run real
/// graphs that misbehave only on a batch holding one report (<see cref="IsolationTestModel.Trigger"/>): that report is
/// counted <c>inference_failed</c>, the run completes, and what it releases is the run without that report but for
/// the counts — whether the worker survived the report (memory refused in process) or died of it (killed at the
/// per-batch limit, killed by a signal) and was replaced by one resuming after its last checkpoint.
/// </summary>
[NonParallelizable]
public sealed class WorkerFaultTests : WorkerProcessTests
{
    [Test]
    public async Task EvaluateAsync_ReportMakingTheModelExhaustMemory_CountsItInferenceFailedAndTheRunCompletes()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Ignore("The memory limit is enforced on Linux only.");
        }

        var engine = Engine(new EvaluationEngineOptions { BatchSize = 4 });
        var workers = Watch(engine);

        var result = await engine.EvaluateAsync(WithTrigger(GraphBehaviour.AllocatesOnTrigger), null, CancellationToken.None);

        await ShouldBeTheRunWithoutTheTriggerAsync(result, GraphBehaviour.AllocatesOnTrigger);
        workers.Should().ContainSingle("a refused allocation fails the call, not the worker");
    }

    [Test]
    public async Task EvaluateAsync_ReportMakingItsBatchOutlastTheLimit_KillsTheWorkerAndResumesAfterTheReport()
    {
        // The engine's own limit is out of reach, so the agent's kill at the per-batch limit is what stops the call.
        var engine = Engine(new EvaluationEngineOptions { BatchSize = 32, BatchTimeoutSeconds = 600, TokenizerThreads = 1 }, batchKill: TimeSpan.FromSeconds(2));
        var workers = Watch(engine);
        var clock = Stopwatch.StartNew();

        var result = await engine.EvaluateAsync(WithTrigger(GraphBehaviour.LoopsOnTrigger), null, CancellationToken.None);

        await ShouldBeTheRunWithoutTheTriggerAsync(result, GraphBehaviour.LoopsOnTrigger);
        // 1: the batch of all 7 loops, killed; 2: one document per call, the trigger's loops, killed; 3: the rest.
        workers.Should().HaveCount(3);
        workers.Should().OnlyContain(pid => IsGone(pid));
        Logs.Entries.Where(e => e.EventId.Id == 1110).Select(e => e.Message).Should().SatisfyRespectively(
            first => first.Should().Contain("documents 0..6").And.Contain("per-batch time limit of 2 seconds"),
            second => second.Should().Contain("documents 3..3").And.Contain("resumes from document 3"));
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(90), "each endless call costs the per-batch limit, not the run's");
    }

    [Test]
    public async Task EvaluateAsync_WorkerKilledBySignalMidBatch_RestartsAndLosesOnlyTheReportAtFault()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Ignore("Signals are a Unix notion.");
        }

        // The engine abandons an endless call after 2 s itself; the first worker is killed from outside before that.
        var engine = Engine(new EvaluationEngineOptions { BatchTimeoutSeconds = 2 });
        var workers = Watch(engine);
        var killed = 0;
        engine.InferenceStarted += (pid, _, _) =>
        {
            if (Interlocked.Exchange(ref killed, 1) == 0)
            {
                // A fatal signal from outside (SIGSYS is what a seccomp filter sends); the .NET runtime ignores a
                // SIGSEGV sent by kill(2), as it is no fault of its code.
                using var kill = Process.Start("kill", ["-SYS", pid.ToString(CultureInfo.InvariantCulture)]);
                kill.WaitForExit();
            }
        };

        var result = await engine.EvaluateAsync(WithTrigger(GraphBehaviour.LoopsOnTrigger), null, CancellationToken.None);

        await ShouldBeTheRunWithoutTheTriggerAsync(result, GraphBehaviour.LoopsOnTrigger);
        workers.Should().HaveCount(2, "the second worker scores the batch one document per call and abandons the endless one itself");
        Logs.Entries.Should().ContainSingle(e => e.EventId.Id == 1110).Which.Message.Should().Contain("signal SIGSYS");
    }

    [Test]
    public async Task EvaluateAsync_ModelExhaustingMemoryOnEveryBatch_CompletesWithEveryDocumentFailed()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Ignore("The memory limit is enforced on Linux only.");
        }

        var job = IsolationTestModel.WriteJob(Scratch.Path, GraphBehaviour.AllocatesPastLimit);

        var result = await Engine(new EvaluationEngineOptions { BatchSize = 4 }).EvaluateAsync(job, null, CancellationToken.None);

        result.NDocuments.Should().Be(0);
        result.InputSummary.Should().BeEquivalentTo(new InputSummary
        {
            DocumentsRead = 6,
            Skipped = new Dictionary<string, long> { ["inference_failed"] = 6 },
        });
    }

    /// <summary>
    /// The six reports with the trigger report inserted fourth: the first batch holds it whatever the batch size here.
    /// </summary>
    private EvaluationJob WithTrigger(GraphBehaviour behaviour) =>
        IsolationTestModel.WriteJob(Scratch.Path, behaviour, [.. IsolationTestModel.Reports[..3], IsolationTestModel.TriggerReport("dx"), .. IsolationTestModel.Reports[3..]]);

    /// <summary>
    /// What the coordinator would be handed is a result, as for the run without the trigger report, and the same one
    /// but for the counts of lines: the trigger's line is read and counted <c>inference_failed</c>, nothing else moved.
    /// </summary>
    private async Task ShouldBeTheRunWithoutTheTriggerAsync(ResultDocument result, GraphBehaviour behaviour)
    {
        var without = await new EvaluationEngine(new EvaluationEngineOptions())
            .EvaluateAsync(IsolationTestModel.WriteJob(Scratch.Path, behaviour), null, CancellationToken.None);

        result.InputSummary.Should().BeEquivalentTo(new InputSummary
        {
            DocumentsRead = 7,
            DocumentsEvaluated = 6,
            Skipped = new Dictionary<string, long> { ["inference_failed"] = 1 },
        });
        // Every statistic is an integer sum (calibration in grid steps), so segments added up give the very same bytes.
        ResultJson.Serialize(result with { InputSummary = without.InputSummary }).Should().Be(ResultJson.Serialize(without));
    }
}
