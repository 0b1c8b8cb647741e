using Partages.Evaluation.Specs;
using Partages.Evaluation.Tasks.GenerativeExtraction;
using Partages.ModelKit.Generative;
using Partages.ModelKit.Synthetic;

namespace Partages.NodeAgent.Tests.Isolation;

/// <summary>
/// generative_extraction inside the isolated worker process (issue 16: "generation runs inside the isolated worker
/// process with the same memory and time limits; a generation that exceeds its token or time budget is counted, not
/// fatal"): the model kit's generative bundle, real worker processes under the isolation tests' memory cap, the
/// engine's constrained greedy loop on ONNX Runtime in the worker.
/// </summary>
[NonParallelizable]
public sealed class GenerativeWorkerTests : WorkerProcessTests
{
    /// <summary>Kerbrac's reports at this scale: a few, so each test is seconds.</summary>
    private const double Scale = 0.1;

    [Test]
    public async Task EvaluateAsync_GenerativeJob_RunsInOneWorkerWithTheInProcessEnginesResult()
    {
        var built = GenerativeBundleBuilder.Build(Scratch.Combine("kit"), scale: Scale);
        var job = Job(built);
        var engine = Engine(new EvaluationEngineOptions());
        var started = Watch(engine);

        var isolated = await engine.EvaluateAsync(job, null, CancellationToken.None);
        var inProcess = await new EvaluationEngine(new EvaluationEngineOptions()).EvaluateAsync(job, null, CancellationToken.None);

        ResultJson.Serialize(isolated).Should().Be(ResultJson.Serialize(inProcess));
        isolated.Generative!.Generations.Should().Be(built.Datasets[2].Count);
        isolated.Generative.Outputs[GenerativeSection.Valid].Should().Be(built.Datasets[2].Count);
        started.Should().ContainSingle("the run completed in the worker under its memory cap, without a restart");
        IsGone(started.Single()).Should().BeTrue();
    }

    [Test]
    public async Task EvaluateAsync_GenerationsPastTheirTokenBudget_CountedAndTheRunCompletes()
    {
        var built = GenerativeBundleBuilder.Build(Scratch.Combine("never"), neverStops: true, maxNewTokens: 3, scale: Scale);

        var result = await Engine(new EvaluationEngineOptions()).EvaluateAsync(Job(built), null, CancellationToken.None);

        var section = result.Generative!;
        section.Generations.Should().Be(built.Datasets[2].Count);
        section.Outputs[InvalidKinds.TokenBudget].Should().Be(section.Generations, "three tokens never reach the end of a three-field answer");
        foreach (var field in section.Fields)
        {
            field.Result.ConfusionMatrix.Matrix.Sum(row => row[^1]).Should().Be(section.Invalid, $"an invalid output is wrong for {field.Name}, never skipped");
        }
    }

    [Test]
    public async Task EvaluateAsync_GenerationsPastTheirTimeBudget_CountedAndTheRunCompletes()
    {
        // One microsecond: every generation is past it after its prompt's decoder call, before the answer is complete.
        var built = GenerativeBundleBuilder.Build(Scratch.Combine("slow"), scale: Scale, timeBudgetSeconds: 1e-6);

        var result = await Engine(new EvaluationEngineOptions()).EvaluateAsync(Job(built), null, CancellationToken.None);

        var section = result.Generative!;
        section.Generations.Should().Be(built.Datasets[2].Count);
        section.Outputs[InvalidKinds.TimeBudget].Should().Be(section.Generations);
        section.InvalidRate.Should().Be(1);
    }

    [Test]
    public async Task EvaluateAsync_GenerationPastTheRunTimeLimit_FailsWithTheTimeReasonAndKillsTheWorker()
    {
        // Thousands of reports, each a prompt call and a few decoder calls: far past 3 seconds.
        var built = GenerativeBundleBuilder.Build(Scratch.Combine("long"), scale: Scale);
        var many = GenerativeBundleBuilder.WriteDataset(Scratch.Combine("many.jsonl"), SyntheticHospitals.ChuValmont, 5000, GenerativeBundleBuilder.DefaultFields);
        var engine = Engine(new EvaluationEngineOptions(), runTimeout: TimeSpan.FromSeconds(3));
        var started = Watch(engine);

        var run = () => engine.EvaluateAsync(Job(built, many), null, CancellationToken.None);

        (await run.Should().ThrowExactlyAsync<EvaluationRefusedException>()).WithMessage("run exceeded the time limit of 3 seconds");
        started.Should().ContainSingle();
        IsGone(started.Single()).Should().BeTrue();
    }

    /// <summary>The kit's oncology-extraction spec on Kerbrac's reports, or on <paramref name="dataset"/>.</summary>
    private static EvaluationJob Job(GenerativeBundleFiles built, string? dataset = null) => new(
        built.BundlePath,
        new EvaluationSpec
        {
            Name = "extraction",
            Task = GenerativeExtractionTask.TaskName,
            Dataset = "oncology-extraction",
            Labels = [.. GenerativeBundleBuilder.DefaultFields],
        },
        new DatasetDefinition("oncology-extraction", dataset ?? built.Datasets[2].Path, "jsonl"));
}
