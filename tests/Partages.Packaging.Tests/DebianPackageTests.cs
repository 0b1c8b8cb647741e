using Partages.NodeAgent.Configuration;
using Partages.NodeAgent.Hosting;

namespace Partages.Packaging.Tests;

/// <summary>The package's systemd unit and files, as they are in the repository (the docs test installs them).</summary>
public sealed class DebianPackageTests
{
    private static readonly string[] UnitLines = RepositoryFiles.Read("tools", "release", "debian", "partages-node-agent.service")
        .Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray();

    private static string? Value(string key) =>
        UnitLines.LastOrDefault(l => l.StartsWith(key + "=", StringComparison.Ordinal))?[(key.Length + 1)..];

    [Test]
    public void ServiceUnit_Hardening_HasEveryDirectiveTheGuidePromises()
    {
        UnitLines.Should().Contain([
            "User=partages",
            "NoNewPrivileges=yes",
            "ProtectSystem=strict",
            "ReadWritePaths=/var/lib/partages",
            "ProtectHome=yes",
            "PrivateTmp=yes",
            "PrivateDevices=yes",
            "CapabilityBoundingSet=",
            "LimitCORE=0",
        ]);
        Value("MemoryMax").Should().NotBeNullOrEmpty();
        // .NET's JIT writes code, then runs it: this one would keep the agent from starting.
        Value("MemoryDenyWriteExecute").Should().BeNull();
    }

    [Test]
    public void ServiceUnit_ExecStart_RunsTheInstalledAgentWithTheEtcConfiguration()
    {
        Value("ExecStart").Should().Be("/usr/lib/partages/Partages.NodeAgent run --config /etc/partages/node.yaml");
        Value("WorkingDirectory").Should().Be("/var/lib/partages");
        // Exit 2 (invalid configuration or policy) and 3 (not enrolled) need a person: restarting cannot fix them.
        Value("RestartPreventExitStatus").Should().Be("2 3");
    }

    [Test]
    public void ServiceUnit_TimeoutStopSec_LeavesTheAgentItsGracePeriodAndShutdownMargin()
    {
        // The agent's stop takes at most stop_grace_seconds plus its margin; systemd must not SIGKILL it before.
        var installedGrace = int.Parse(
            RepositoryFiles.Read("node-agent", "node.example.yaml").Split('\n').Single(l => l.StartsWith("stop_grace_seconds:", StringComparison.Ordinal))["stop_grace_seconds:".Length..].Trim(),
            System.Globalization.CultureInfo.InvariantCulture);
        var needed = TimeSpan.FromSeconds(Math.Max(installedGrace, NodeConfig.DefaultStopGraceSeconds)) + NodeAgentHost.ShutdownMargin;

        TimeSpan.FromSeconds(int.Parse(Value("TimeoutStopSec")!, System.Globalization.CultureInfo.InvariantCulture)).Should().BeGreaterThanOrEqualTo(needed);
        Value("KillMode").Should().Be("mixed", "SIGTERM goes to the agent alone; it stops its workers itself");
    }

    [Test]
    public void Conffiles_TheConfiguration_IsKeptAcrossUpgrades()
    {
        RepositoryFiles.Read("tools", "release", "debian", "conffiles").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Should().Equal("/etc/partages/node.yaml", "/etc/partages/policy.yaml");
    }

    [Test]
    public void Postrm_Remove_KeepsTheAgentsStateAndOnlyPurgeDeletesIt()
    {
        var postrm = RepositoryFiles.Read("tools", "release", "debian", "postrm");
        var purge = postrm[postrm.IndexOf("  purge)", StringComparison.Ordinal)..postrm.IndexOf(";;", StringComparison.Ordinal)];

        purge.Should().Contain("rm -rf /var/lib/partages");
        postrm.Split("rm -rf /var/lib/partages").Should().HaveCount(2, "only the purge branch deletes the state");
    }
}
