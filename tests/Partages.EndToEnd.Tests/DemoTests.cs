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

        // Finding 4 of the privacy issue: figures computed from cells released as 0 were printed as the data's own
        // ("optimistic"). Now every row is differentially private, says so with its ε, and its intervals include the
        // noise; nothing was suppressed.
        // (Short phrases: the console tables wrap long cells.)
        output.Should().Contain("DP ε").And.Contain("Differentially private");
        output.Should().NotContain("optimistic").And.NotContain("Suppressed by the release gate");
    }
}
