using Partages.NodeAgent.Engine.Resilience;
using Partages.NodeAgent.Engine.Isolation;

namespace Partages.NodeAgent.Tests.Isolation;

/// <summary>The worker process on its own, started exactly as the agent starts it, and its installation beside the agent.</summary>
[NonParallelizable]
public sealed class InferenceWorkerTests : TestDirectoryPerTest
{
    private static readonly WorkerLimits Limits = new(TimeSpan.FromMinutes(2), 384);

    [Test]
    public async Task Worker_StdinClosedMidRun_ExitsBecauseTheAgentIsGone()
    {
        // The request starts a run that would loop for hours; closing stdin is what the agent's death does.
        var job = IsolationTestModel.WriteJob(Scratch.Path, GraphBehaviour.LoopsForever);
        using var worker = Process.Start(WorkerCommand.Locate().CreateStartInfo(Limits))!;
        try
        {
            await worker.StandardInput.WriteLineAsync(WorkerProtocol.Serialize(WorkerRequest.From(job, new EvaluationEngineOptions(), RunPlan.Full)));
            await worker.StandardInput.FlushAsync();
            worker.StandardInput.Close();

            await worker.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

            worker.ExitCode.Should().Be(WorkerExitCodes.AgentGone);
            (await worker.StandardError.ReadToEndAsync()).Should().Contain("the agent is gone");
        }
        finally
        {
            worker.Kill(entireProcessTree: true);
        }
    }

    [Test]
    public async Task Worker_RequestNotJson_ExitsWithBadRequestAndRunsNothing()
    {
        using var worker = Process.Start(WorkerCommand.Locate().CreateStartInfo(Limits))!;
        try
        {
            await worker.StandardInput.WriteLineAsync("this is not a request");
            worker.StandardInput.Close();

            await worker.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

            worker.ExitCode.Should().Be(WorkerExitCodes.BadRequest);
            (await worker.StandardOutput.ReadToEndAsync()).Should().BeEmpty();
        }
        finally
        {
            worker.Kill(entireProcessTree: true);
        }
    }

    [Test]
    public async Task Worker_NormalRun_SaysWhereItStandsThenWritesOneResultLineAndExitsZero()
    {
        var job = IsolationTestModel.WriteJob(Scratch.Path, GraphBehaviour.Normal);

        var (exitCode, messages) = await RunWorkerAsync(WorkerRequest.From(job, new EvaluationEngineOptions { BatchSize = 2, LengthGroupBatches = 1, TokenizerThreads = 1 }, RunPlan.Full));

        exitCode.Should().Be(WorkerExitCodes.Succeeded);
        messages[0].Should().Be(WorkerMessage.ForReading(6), "the model is loaded before any report is read");
        messages.Where(m => m.Type == WorkerMessageTypes.Inference).Select(m => (m.FirstDocument, m.LastDocument))
            .Should().Equal((0L, 1L), (2L, 3L), (4L, 5L));
        messages.Where(m => m.Type == WorkerMessageTypes.InferenceDone).Should().HaveCount(3);
        messages.Where(m => m.Type == WorkerMessageTypes.Checkpoint).Select(m => (m.Documents, m.Lines, m.Result!.NDocuments))
            .Should().Equal((2L, 2L, 2L), (4L, 4L, 4L), (6L, 6L, 6L));
        var progress = messages.Where(m => m.Type == WorkerMessageTypes.Progress).ToList();
        progress.Should().OnlyContain(m => m.DocumentsTotal == 6);
        progress[^1].DocumentsDone.Should().Be(6);
        messages[^1].Type.Should().Be(WorkerMessageTypes.Result);
        messages[^1].Result!.NDocuments.Should().Be(6);
    }

    [Test]
    public async Task Worker_PlanResumingAfterACheckpoint_CountsOnlyTheRestOfTheRun()
    {
        var job = IsolationTestModel.WriteJob(Scratch.Path, GraphBehaviour.Normal);
        var plan = new RunPlan { StartDocument = 4, StartLine = 4, Failed = [5] };

        var (exitCode, messages) = await RunWorkerAsync(WorkerRequest.From(job, new EvaluationEngineOptions { BatchSize = 2 }, plan));

        exitCode.Should().Be(WorkerExitCodes.Succeeded);
        var result = messages[^1].Result!;
        result.InputSummary.DocumentsRead.Should().Be(2, "lines 5 and 6 only: the first four are the dead worker's");
        result.NDocuments.Should().Be(1);
        result.InputSummary.Skipped.Should().Equal(new Dictionary<string, long> { ["inference_failed"] = 1 });
        messages.Where(m => m.Type == WorkerMessageTypes.Inference).Select(m => (m.FirstDocument, m.LastDocument)).Should().Equal((4L, 4L));
    }

    private static async Task<(int ExitCode, List<WorkerMessage> Messages)> RunWorkerAsync(WorkerRequest request)
    {
        using var worker = Process.Start(WorkerCommand.Locate().CreateStartInfo(Limits))!;
        try
        {
            await worker.StandardInput.WriteLineAsync(WorkerProtocol.Serialize(request));
            await worker.StandardInput.FlushAsync();
            var lines = new List<string>();
            while (await worker.StandardOutput.ReadLineAsync() is { } line)
            {
                lines.Add(line);
            }

            await worker.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            return (worker.ExitCode, [.. lines.Select(WorkerProtocol.Deserialize<WorkerMessage>)]);
        }
        finally
        {
            worker.Kill(entireProcessTree: true);
        }
    }

    [Test]
    public void WorkerFiles_AgentBuildOutput_HoldsTheWorkerAndEverythingItLoads()
    {
        // artifacts/bin/<project>/<configuration>/: the agent's own folder, as it is built (and published).
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var agentFolder = Path.Combine(here.Parent!.Parent!.FullName, "Partages.NodeAgent", here.Name);
        var depsPath = Path.Combine(agentFolder, "Partages.NodeAgent.Worker.deps.json");
        File.Exists(Path.Combine(agentFolder, WorkerCommand.WorkerAssemblyName)).Should().BeTrue();
        File.Exists(Path.Combine(agentFolder, "Partages.NodeAgent.Worker.runtimeconfig.json")).Should().BeTrue();

        var missing = WorkerDependencies(File.ReadAllText(depsPath))
            .Where(relative => !File.Exists(Path.Combine(agentFolder, relative)))
            .ToList();

        missing.Should().BeEmpty("the worker runs from the agent's folder, so each file it loads must be there");
    }

    /// <summary>
    /// The files the worker's deps.json says it loads, as paths relative to the application folder: managed assemblies
    /// by file name (they are copied flat), native libraries of this platform under runtimes/&lt;rid&gt;/native/.
    /// </summary>
    private static IEnumerable<string> WorkerDependencies(string depsJson)
    {
        using var deps = JsonDocument.Parse(depsJson);
        var rid = OperatingSystem.IsLinux() ? "linux-x64" : OperatingSystem.IsWindows() ? "win-x64" : "osx-arm64";
        var result = new List<string>();
        foreach (var target in deps.RootElement.GetProperty("targets").EnumerateObject())
        {
            foreach (var library in target.Value.EnumerateObject())
            {
                if (library.Value.TryGetProperty("runtime", out var runtime))
                {
                    result.AddRange(runtime.EnumerateObject().Select(asset => Path.GetFileName(asset.Name)));
                }

                if (library.Value.TryGetProperty("runtimeTargets", out var natives))
                {
                    result.AddRange(natives.EnumerateObject()
                        .Where(asset => asset.Name.StartsWith($"runtimes/{rid}/native/", StringComparison.Ordinal))
                        .Select(asset => asset.Name));
                }
            }
        }

        return result;
    }
}
