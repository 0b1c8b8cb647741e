namespace Partages.NodeAgent.Tests.Cli;

/// <summary><c>health</c> as the kubelet runs it: a status file, a clock, an exit code and one line.</summary>
public sealed class HealthCommandTests : TestDirectoryPerTest
{
    private static readonly DateTimeOffset Now = TestClock.DefaultStart;

    private string _configPath = null!;
    private string _statusPath = null!;

    [SetUp]
    public void Create()
    {
        _configPath = Scratch.Combine("node.yaml");
        _statusPath = Scratch.Combine("node-data", "status.json");
        Directory.CreateDirectory(Scratch.Combine("node-data"));
        File.WriteAllText(_configPath, """
            name: chu-valmont
            coordinator:
              url: https://127.0.0.1:7443
            data_directory: ./node-data
            heartbeat_seconds: 10
            datasets:
              - name: amr-reports
                path: ./data/amr.jsonl
                format: jsonl
            """);
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task Health_NoStatusFile_SaysSo_ExitCode1(bool liveness)
    {
        var (code, output, _) = await HealthAsync(liveness ? ["--liveness"] : []);

        code.Should().Be(ExitCodes.Failure);
        output.Should().StartWith($"no status file yet ({_statusPath})");
    }

    [Test]
    public async Task Health_ConnectedHeartbeatRecent_ReadyAndAlive_ExitCode0()
    {
        WriteStatus(AgentState.Connected, since: Now.AddMinutes(-5), updated: Now.AddSeconds(-1), heartbeat: Now.AddSeconds(-6));

        var readiness = await HealthAsync();
        var liveness = await HealthAsync("--liveness");

        readiness.Code.Should().Be(ExitCodes.Ok, readiness.Output);
        readiness.Output.Should().StartWith("ready: connected since");
        liveness.Code.Should().Be(ExitCodes.Ok, liveness.Output);
        liveness.Output.Should().StartWith("alive:");
    }

    [Test]
    public async Task Health_CoordinatorOutage_NotReadyExitCode1_ButAliveExitCode0()
    {
        WriteStatus(AgentState.Disconnected, since: Now.AddHours(-3), updated: Now.AddSeconds(-4), heartbeat: Now.AddHours(-3));

        var readiness = await HealthAsync();
        var liveness = await HealthAsync("--liveness");

        readiness.Code.Should().Be(ExitCodes.Failure);
        readiness.Output.Should().StartWith("disconnected since 2025-03-14T06:00:00.000Z");
        liveness.Code.Should().Be(ExitCodes.Ok, "Kubernetes must not restart agents because the coordinator is away");
    }

    [Test]
    public async Task Health_AgentHung_NotAliveSaysStaleSince_ExitCode1()
    {
        WriteStatus(AgentState.Connected, since: Now.AddHours(-1), updated: Now.AddSeconds(-40), heartbeat: Now.AddSeconds(-40));

        var (code, output, _) = await HealthAsync("--liveness");

        code.Should().Be(ExitCodes.Failure);
        output.Should().StartWith("stale since 2025-03-14T08:59:20.000Z: the status file was last updated 40 s ago (limit 30 s)");
    }

    [Test]
    public async Task Health_MaxAgeSeconds_ReplacesTheDefaultLimit()
    {
        WriteStatus(AgentState.Connected, since: Now.AddHours(-1), updated: Now.AddSeconds(-40), heartbeat: Now.AddSeconds(-40));

        var lenient = await HealthAsync("--liveness", "--max-age-seconds", "60");
        var strict = await HealthAsync("--max-age-seconds", "20");

        lenient.Code.Should().Be(ExitCodes.Ok, lenient.Output);
        strict.Code.Should().Be(ExitCodes.Failure);
        strict.Output.Should().Contain("limit 20 s");
    }

    [Test]
    public async Task Health_AnyVerdict_PrintsExactlyOneLine()
    {
        WriteStatus(AgentState.Stopped, since: Now.AddSeconds(-2), updated: Now.AddSeconds(-2), heartbeat: null);

        var (code, output, error) = await HealthAsync();

        code.Should().Be(ExitCodes.Failure);
        output.Should().Be("stopped since 2025-03-14T08:59:58.000Z: the agent has shut down" + Environment.NewLine);
        error.Should().BeEmpty();
    }

    [Test]
    public async Task Health_MaxAgeZero_CommandLineError_ExitCode2()
    {
        var (code, _, error) = await HealthAsync("--max-age-seconds", "0");

        code.Should().Be(ExitCodes.InvalidConfiguration);
        error.Should().Contain("--max-age-seconds must be at least 1.");
    }

    [Test]
    public async Task Health_InvalidConfig_ExitCode2()
    {
        File.WriteAllText(_configPath, "name: Bad Name\n");

        var (code, _, error) = await HealthAsync();

        code.Should().Be(ExitCodes.InvalidConfiguration);
        error.Should().Contain("line 1");
    }

    private void WriteStatus(AgentState state, DateTimeOffset since, DateTimeOffset updated, DateTimeOffset? heartbeat) =>
        AgentStatusFile.Write(_statusPath, new AgentStatusDocument(state, since, updated, heartbeat, 0, TimeSpan.FromSeconds(10), "0.1.0"));

    private Task<(int Code, string Output, string Error)> HealthAsync(params string[] options) =>
        AgentCli.InvokeAsync(["health", "--config", _configPath, .. options], new FakeTimeProvider(Now));
}
