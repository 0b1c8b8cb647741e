namespace Partages.NodeAgent.Tests.Isolation;

/// <summary>
/// How the agent finds and starts its worker: <c>dotnet Partages.NodeAgent.Worker.dll</c> in framework-dependent
/// installs, the self-contained executable beside a single-file agent (the release and the Debian package).
/// </summary>
[NonParallelizable]
public sealed class WorkerCommandTests : TestDirectoryPerTest
{
    [Test]
    public void Locate_Assembly_RunsItWithADotnetHost()
    {
        var assembly = Scratch.Combine(WorkerCommand.WorkerAssemblyName);
        File.WriteAllText(assembly, "");

        var command = WorkerCommand.Locate(assembly);

        command.DotnetHost.Should().NotBeNull();
        var start = command.CreateStartInfo(new WorkerLimits(TimeSpan.FromMinutes(1), 512));
        start.ArgumentList.Should().ContainInConsecutiveOrder(command.DotnetHost!, assembly);
    }

    [Test]
    public void Locate_Executable_RunsItDirectlyUnderTheLimits()
    {
        var executable = Scratch.Combine(WorkerCommand.WorkerExecutableName);
        File.WriteAllText(executable, "");

        var command = WorkerCommand.Locate(executable);
        var start = command.CreateStartInfo(new WorkerLimits(TimeSpan.FromMinutes(1), 512));

        command.DotnetHost.Should().BeNull("a single-file agent has no dotnet host, and the worker needs none");
        if (command.EnforcesMemoryLimit)
        {
            start.FileName.Should().Be("/bin/sh");
            start.ArgumentList.Should().EndWith(["524288", executable], "the limits shell execs the worker itself");
        }
        else
        {
            start.FileName.Should().Be(executable);
        }
    }

    [Test]
    public async Task EvaluateAsync_SingleFileWorkerOfTheRelease_ReturnsTheInProcessEnginesResult()
    {
        // The executable the release ships (tools/release/build-release.sh; the packaging tests build it), with ONNX
        // Runtime beside it rather than extracted: the graph must load from there.
        var worker = new[] { "release-docs-test", "release" }
            .Select(folder => Path.Combine(RepositoryFiles.Root, "artifacts", folder))
            .Where(Directory.Exists)
            .SelectMany(folder => Directory.GetDirectories(folder, "partages-node-agent-*-linux-x64"))
            .Select(folder => Path.Combine(folder, WorkerCommand.WorkerExecutableName))
            .Where(File.Exists)
            .OrderByDescending(File.GetLastWriteTimeUtc)
            .FirstOrDefault();
        if (worker is null || !OperatingSystem.IsLinux())
        {
            Assert.Ignore("No single-file release worker under artifacts/: run tools/release/build-release.sh --only node-agent (or the packaging tests) first.");
        }

        var job = IsolationTestModel.WriteJob(Scratch.Path, GraphBehaviour.Normal);
        using var logs = new RecordingLoggerProvider();
        var isolated = new IsolatedEvaluationEngine(
            new EvaluationEngine(new EvaluationEngineOptions()), new EvaluationEngineOptions(), new WorkerLimits(TimeSpan.FromMinutes(2), 384),
            logs.CreateLogger<IsolatedEvaluationEngine>(), workerPath: worker);

        var result = await isolated.EvaluateAsync(job, null, CancellationToken.None);
        var inProcess = await new EvaluationEngine(new EvaluationEngineOptions()).EvaluateAsync(job, null, CancellationToken.None);

        ResultJson.Serialize(result).Should().Be(ResultJson.Serialize(inProcess));
    }
}
