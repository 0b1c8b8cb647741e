using System.Security.Cryptography;
using Partages.Client;
using Partages.Demo.Federation;

namespace Partages.Packaging.Tests;

/// <summary>
/// The docs test of issue 13: docs/hospital-it.md's install steps, run as written — its blocks marked
/// <c>docs-test</c>, in order — against the Debian package that tools/release/build-release.sh builds, installed for
/// real with dpkg, enrolling with a real coordinator (the demo federation's), and the agent started the way its unit
/// says. There is no systemd in test containers: <c>systemctl</c> is the stand-in Shims/systemctl, which runs the
/// installed unit's ExecStart as its User with its Environment (its sandboxing is checked with systemd-analyze, not
/// applied). Every process started is stopped, and the package purged, whatever fails.
/// </summary>
[NonParallelizable]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]   // dpkg, setpriv, Unix file modes: the test skips elsewhere
public sealed partial class HospitalItGuideTests
{
    private const string NodeName = "chu-valmont";
    private const string Unit = "partages-node-agent";

    // The guide's example values, replaced by the test's real ones (each must still be in the guide: see below).
    private const string GuideCoordinatorUrl = "https://coordinator.partages.example:7443";
    private const string GuideDatasetPath = "/srv/reports/amr-2025-03.jsonl";

    // Generous for a loaded 2-core machine: publishing alone has taken 5 minutes under a load of 20.
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(30);
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(3);

    [Test]
    public async Task Guide_RunAsWrittenAgainstTheBuiltPackage_AgentConnectsUnderItsUnitAndStopsWithExitZero()
    {
        await Preconditions.RequireRootWithDpkgAsync();
        using var cts = new CancellationTokenSource(TestTimeout);
        var guide = RepositoryFiles.Read("docs", "hospital-it.md");
        var blocks = GuideBlocks.Parse(guide);
        var release = await ReleaseBuild.NodeAgentAsync().WaitAsync(cts.Token);
        var work = Directory.CreateTempSubdirectory("partages-docs-test-").FullName;
        var systemd = new SystemctlShim(Path.Combine(work, "systemd")).Prepare();
        LocalFederation? federation = null;
        var passed = false;
        try
        {
            federation = await LocalFederation.StartAsync(new FederationOptions { WorkDirectory = Path.Combine(work, "federation"), StartTimeout = StepTimeout }, cts.Token);
            var dataset = WriteDataset(Path.Combine(work, "reports", "amr-2025-03.jsonl"));
            var (token, pin) = await federation.CreateEnrollmentTokenAsync(NodeName, cts.Token);
            var values = new Dictionary<string, string>
            {
                ["<TOKEN>"] = token,
                ["<PIN>"] = pin,
                ["<FINGERPRINT>"] = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(dataset))),
                [GuideCoordinatorUrl] = federation.CoordinatorUrl.ToString().TrimEnd('/'),
                [GuideDatasetPath] = dataset,
            };
            foreach (var placeholder in values.Keys)
            {
                // A guide rewritten without one would run with nothing substituted, and test less than it says.
                blocks.Should().Contain(b => b.Text.Contains(placeholder, StringComparison.Ordinal), $"the guide's tested blocks use {placeholder}");
            }

            foreach (var block in blocks)
            {
                await RunAsync(block, block.Substitute(values), release, systemd, cts.Token);
            }

            await CheckInstalledAsync(release, cts.Token);

            // Online: the coordinator logs the session and lists the node online.
            await federation.Coordinator.WaitForLineAsync(ConnectedLine(), StepTimeout, cts.Token);
            using var channel = federation.CreateEvaluatorChannel(await federation.CreateApiTokenAsync("docs-test", "evaluator", cts.Token));
            var nodes = await new EvaluatorClient(channel).ListNodesAsync(cts.Token);
            nodes.Should().ContainSingle(n => n.Name == NodeName).Which.Online.Should().BeTrue();

            // Stopped as systemd stops it: SIGTERM, and the exit status it records.
            var stop = await Shell.RunAsync($"systemctl stop {Unit}\nsystemctl show -p ExecMainStatus --value {Unit}\nsystemctl is-active {Unit} || true", work, systemd.Environment, StepTimeout, cts.Token);
            var journal = systemd.Journal(Unit);
            stop.StandardOutput.Split('\n')[0].Should().Be("0", $"the agent exits 0 on SIGTERM; its journal:\n{journal}");
            stop.StandardOutput.Should().Contain("inactive");
            journal.Should().Contain($"Node agent '{NodeName}' stopped cleanly").And.NotContain("Unhandled exception");

            // Purge removes what the hospital owns only then (remove keeps it: postrm).
            var purge = await Preconditions.PurgeAsync();
            purge.ExitCode.Should().Be(0, purge.Output);
            Directory.Exists("/var/lib/partages").Should().BeFalse("purge deletes the agent's state");
            Directory.Exists("/etc/partages").Should().BeFalse("purge deletes the conffiles");
            passed = true;
        }
        finally
        {
            await systemd.StopAsync(Unit);
            await Preconditions.PurgeAsync();
            TestContext.Out.WriteLine($"Agent journal (systemctl stand-in):\n{systemd.Journal(Unit)}");
            if (federation is not null)
            {
                await federation.DisposeAsync();
            }

            // Kept when the test failed: the coordinator's log and the agent's journal are there.
            if (passed)
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }

    private static async Task RunAsync(GuideBlock block, string text, string release, SystemctlShim systemd, CancellationToken cancellationToken)
    {
        if (block.Kind == GuideBlockKind.File)
        {
            // The administrator's edit: the file as the guide shows it (the package's copy is replaced).
            await File.WriteAllTextAsync(block.Target!, text, cancellationToken);
            TestContext.Out.WriteLine($"hospital-it.md:{block.Line}: wrote {block.Target}");
            return;
        }

        // Run where the guide says to be: the folder holding the package and SHA256SUMS.
        var result = text.Contains("dpkg ", StringComparison.Ordinal)
            ? await Preconditions.WhileDpkgIsLockedAsync(() => Shell.RunAsync(text, release, systemd.Environment, StepTimeout, cancellationToken), cancellationToken)
            : await Shell.RunAsync(text, release, systemd.Environment, StepTimeout, cancellationToken);
        TestContext.Out.WriteLine($"hospital-it.md:{block.Line}: exit {result.ExitCode}\n{text}{result.Output}");
        result.ExitCode.Should().Be(0, $"the guide's block at line {block.Line} must work as written:\n{text}\n{result.Output}\njournal:\n{systemd.Journal(Unit)}");
    }

    /// <summary>What the package promises beyond the guide's commands: the account, the modes, a unit systemd accepts.</summary>
    private static async Task CheckInstalledAsync(string release, CancellationToken cancellationToken)
    {
        var state = await Shell.RunAsync(
            "stat -c '%U %a' /var/lib/partages /var/lib/partages/identity/node.key; readlink -f /usr/bin/Partages.NodeAgent; getent passwd partages | cut -d: -f7",
            release, null, StepTimeout, cancellationToken);
        state.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().Equal(
            "partages 700", "partages 600", "/usr/lib/partages/Partages.NodeAgent", "/usr/sbin/nologin");
        File.Exists("/usr/lib/partages/Partages.NodeAgent.Worker").Should().BeTrue("the agent starts its worker from its own folder");

        // Error messages and help name the annotated examples where the package put them, not a source path.
        var help = await Shell.RunAsync("Partages.NodeAgent check --help", release, null, StepTimeout, cancellationToken);
        help.StandardOutput.Should().Contain("/usr/share/doc/partages-node-agent/examples/node.example.yaml");

        if (File.Exists("/usr/bin/systemd-analyze"))
        {
            var verify = await Shell.RunAsync($"systemd-analyze verify /lib/systemd/system/{Unit}.service", release, null, StepTimeout, cancellationToken);
            verify.ExitCode.Should().Be(0, verify.Output);
            (verify.StandardOutput + verify.StandardError).Trim().Should().BeEmpty("systemd accepts every line of the unit");

            // The exposure figure the guide quotes is the one systemd computes for the installed unit.
            var security = await Shell.RunAsync($"systemd-analyze security --offline=true --no-pager /lib/systemd/system/{Unit}.service", release, null, StepTimeout, cancellationToken);
            var level = ExposureLine().Match(security.StandardOutput);
            level.Success.Should().BeTrue(security.Output);
            TestContext.Out.WriteLine($"systemd-analyze security: exposure {level.Groups["level"].Value}");
            GuideExposure().Match(RepositoryFiles.Read("docs", "hospital-it.md")).Groups["level"].Value.Should().Be(level.Groups["level"].Value, "the guide quotes the exposure level");
        }
    }

    /// <summary>A small fictional AMR dataset (above the policy's min_dataset_documents), readable by the agent's account.</summary>
    private static string WriteDataset(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string[] labels = ["sensible", "BLSE", "SARM", "EPC"];   // the labels of eval-specs/amr-resistance.yaml
        var lines = Enumerable.Range(1, 40).Select(i =>
            $$"""{"id": "cr-{{i:D3}}", "text": "Compte rendu fictif n° {{i}} : souche isolée, phénotype {{labels[i % 4]}}.", "label": "{{labels[i % 4]}}"}""");
        File.WriteAllLines(path, lines);
        // The agent runs as 'partages': the folders up to the file must be traversable by others.
        for (var directory = Path.GetDirectoryName(path); directory is not null && directory != Path.GetTempPath().TrimEnd('/'); directory = Path.GetDirectoryName(directory))
        {
            File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101);
        }

        File.SetUnixFileMode(path, (UnixFileMode)0b110_100_100);
        return path;
    }

    [GeneratedRegex($@"Node {NodeName} connected")]
    private static partial Regex ConnectedLine();

    [GeneratedRegex(@"Overall exposure level for [^:]+: (?<level>\d+\.\d+)")]
    private static partial Regex ExposureLine();

    [GeneratedRegex(@"rates it\s+(?<level>\d+\.\d+)")]
    private static partial Regex GuideExposure();
}
