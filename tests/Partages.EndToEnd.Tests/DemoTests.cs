using Partages.Demo.Federation;

namespace Partages.EndToEnd.Tests;

/// <summary>The README's first command, run as the README runs it: the demo executable, start to finish.</summary>
[NonParallelizable]
public sealed class DemoTests
{
    [Test]
    public async Task Demo_FreshWorkDirectory_RunsTheFederationAndExitsZero()
    {
        var workDirectory = TestAssets.NewWorkDirectory("demo");

        var output = await ManagedProcess.RunAsync(
            "demo",
            Executables.Demo,
            ["--work-dir", workDirectory, "--assets-dir", Path.Combine(TestAssets.Root, "assets")],
            Path.Combine(workDirectory + "-logs", "demo.log"),
            TimeSpan.FromMinutes(4),
            CancellationToken.None);

        output.Should().Contain("completed").And.Contain("pooled");
        foreach (var hospital in TestAssets.Assets.Hospitals)
        {
            output.Should().Contain(hospital.Slug);
        }
    }
}
