namespace Partages.EndToEnd.Tests;

/// <summary>The README's first command, run as the README runs it: the demo executable, start to finish.</summary>
[NonParallelizable]
public sealed class DemoTests
{
    [Test]
    public async Task Demo_FreshWorkDirectory_RunsTheFederationAndExitsZero()
    {
        // The demo's own default size (not the shared test assets, which are smaller): what the README promises.
        var workDirectory = TestAssets.NewDirectory("demo");

        var output = await ManagedProcess.RunAsync(
            "demo",
            Executables.Demo,
            ["--work-dir", workDirectory],
            Path.Combine(workDirectory + "-logs", "demo.log"),
            TimeSpan.FromMinutes(10),
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

        // The README's promise under DP: AUROC with its interval at every site (a rare class at one site may still be
        // "not estimable", about one chance in eight per class and site at this size) and for every class pooled.
        var auroc = output[output.IndexOf("AUROC per class", StringComparison.Ordinal)..];
        int Figures(string row) => Regex.Matches(auroc.Split('\n').First(l => l.TrimStart('│', ' ').StartsWith(row, StringComparison.Ordinal)), @"\d\.\d{3} \[").Count;
        foreach (var hospital in TestAssets.Assets.Hospitals)
        {
            Figures(hospital.Slug).Should().BeGreaterThanOrEqualTo(2, $"{hospital.Slug}'s AUROC row shows figures");
        }

        Figures("pooled").Should().Be(4, "every class's pooled AUROC is estimable at the demo's size");
    }
}
