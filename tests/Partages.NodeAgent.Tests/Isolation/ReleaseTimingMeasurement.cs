using System.Globalization;

namespace Partages.NodeAgent.Tests.Isolation;

/// <summary>
/// docs/threat-model.md, "Timing": how much later a run ends when one report is replaced by one that makes the model
/// misbehave, with the per-batch limits in place. Replace-one neighbours: the same graph and the same 64 lines, but
/// for line 10, benign on one side and the trigger on the other. Runs alternate, medians are printed. Not a check
/// (it measures a machine): run it by name.
/// </summary>
[Explicit("A measurement for docs/threat-model.md, minutes long; run it by name.")]
[NonParallelizable]
public sealed class ReleaseTimingMeasurement
{
    private const int Rounds = 5;
    private static readonly TimeSpan Cap = TimeSpan.FromSeconds(2);

    [TestCase(GraphBehaviour.LoopsOnTrigger, false, TestName = "EndlessBatch_AbandonedInProcess")]
    [TestCase(GraphBehaviour.LoopsOnTrigger, true, TestName = "EndlessBatch_WorkerKilled")]
    [TestCase(GraphBehaviour.AllocatesOnTrigger, false, TestName = "MemoryExhausted_RefusedInProcess")]
    public async Task Measure_OneReportReplaced_PrintsTheDelayOfTheResult(GraphBehaviour behaviour, bool kill)
    {
        using var directory = new TestDirectory();
        var reports = Enumerable.Range(0, 64).Select(i => IsolationTestModel.Reports[i % IsolationTestModel.Reports.Length].Replace("\"d", $"\"r{i}-d", StringComparison.Ordinal)).ToArray();
        var neighbour = (string[])reports.Clone();
        neighbour[10] = IsolationTestModel.TriggerReport("r10-trigger");
        // Killed: the engine's own limit is out of reach and the agent kills at the cap; else the engine abandons the call at the cap.
        var options = new EvaluationEngineOptions { BatchSize = 32, BatchTimeoutSeconds = kill ? 600 : (int)Cap.TotalSeconds };
        var limits = new WorkerLimits(TimeSpan.FromMinutes(10), 384, kill ? Cap : WorkerLimits.BatchKillAfter(Cap));
        var engine = new IsolatedEvaluationEngine(new EvaluationEngine(options), options, limits, new RecordingLoggerProvider().CreateLogger<IsolatedEvaluationEngine>());
        var benign = IsolationTestModel.WriteJob(directory.Path, behaviour, reports);
        var triggered = IsolationTestModel.WriteJob(directory.Path, behaviour, neighbour);

        var without = new List<double>();
        var with = new List<double>();
        for (var round = 0; round < Rounds; round++)
        {
            without.Add(await TimeAsync(engine, benign));
            with.Add(await TimeAsync(engine, triggered));
        }

        var (a, b) = (Median(without), Median(with));
        await TestContext.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{TestContext.CurrentContext.Test.Name}: cap {Cap.TotalSeconds} s, batch 32, 64 lines; median end of run {a:0.00} s without, {b:0.00} s with the report; delay {b - a:0.00} s; runs without [{string.Join(", ", without.Select(t => t.ToString("0.00", CultureInfo.InvariantCulture)))}], with [{string.Join(", ", with.Select(t => t.ToString("0.00", CultureInfo.InvariantCulture)))}]"));
    }

    private static async Task<double> TimeAsync(IsolatedEvaluationEngine engine, EvaluationJob job)
    {
        var clock = Stopwatch.StartNew();
        var result = await engine.EvaluateAsync(job, null, CancellationToken.None);
        result.InputSummary.DocumentsRead.Should().Be(64);
        return clock.Elapsed.TotalSeconds;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
