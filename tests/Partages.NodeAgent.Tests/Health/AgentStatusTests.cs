namespace Partages.NodeAgent.Tests.Health;

/// <summary>The status file writer on its own, on a hand-moved clock.</summary>
public sealed class AgentStatusTests : TestDirectoryPerTest
{
    private static readonly DateTimeOffset T0 = TestClock.DefaultStart;

    private FakeTimeProvider _clock = null!;
    private RecordingLoggerProvider _logs = null!;

    [SetUp]
    public void Create()
    {
        _clock = new FakeTimeProvider(T0);
        _logs = new RecordingLoggerProvider();
    }

    [Test]
    public void Connected_ThenHeartbeat_FileHoldsStateSinceAndLastHeartbeat()
    {
        var status = CreateStatus(Scratch.Path);
        status.Starting(activeRuns: 0);

        _clock.Advance(TimeSpan.FromSeconds(2));
        status.Connected(TimeSpan.FromSeconds(60), activeRuns: 0);
        _clock.Advance(TimeSpan.FromSeconds(60));
        status.HeartbeatSent(activeRuns: 2);

        var written = AgentStatusFile.TryRead(status.FilePath);
        written.Should().Be(new AgentStatusDocument(
            AgentState.Connected,
            T0.AddSeconds(2),
            T0.AddSeconds(62),
            T0.AddSeconds(62),
            2,
            TimeSpan.FromSeconds(60),
            status.Current.AgentVersion));
        written!.AgentVersion.Should().NotBeNullOrEmpty();
        status.FilePath.Should().Be(Path.Combine(Scratch.Path, "status.json"));
    }

    [Test]
    public void Disconnected_FurtherAttemptsAndRefreshes_KeepTheOutageStartAndMoveUpdatedAt()
    {
        var status = CreateStatus(Scratch.Path);
        status.Connected(TimeSpan.FromSeconds(10), activeRuns: 1);
        status.HeartbeatSent(activeRuns: 1);

        _clock.Advance(TimeSpan.FromSeconds(5));
        status.Disconnected(activeRuns: 1);
        _clock.Advance(TimeSpan.FromSeconds(7));
        status.Dialing(activeRuns: 1);
        status.Disconnected(activeRuns: 1);
        _clock.Advance(TimeSpan.FromSeconds(3));
        status.Refresh(activeRuns: 0);

        var written = AgentStatusFile.TryRead(status.FilePath)!;
        written.State.Should().Be(AgentState.Disconnected);
        written.Since.Should().Be(T0.AddSeconds(5), "the outage began with the first disconnection");
        written.UpdatedAt.Should().Be(T0.AddSeconds(15));
        written.LastHeartbeatAt.Should().Be(T0);
        written.ActiveRuns.Should().Be(0);
    }

    [Test]
    public void Stopped_AfterConnected_WritesStoppedSinceNow()
    {
        var status = CreateStatus(Scratch.Path);
        status.Connected(TimeSpan.FromSeconds(10), activeRuns: 0);

        _clock.Advance(TimeSpan.FromMinutes(1));
        status.Stopped(activeRuns: 0);

        var written = AgentStatusFile.TryRead(status.FilePath)!;
        written.State.Should().Be(AgentState.Stopped);
        written.Since.Should().Be(T0.AddMinutes(1));
    }

    [Test]
    public void Write_AnyState_HoldsExactlyTheSchemaFieldsAndLeavesNoTemporaryFile()
    {
        var status = CreateStatus(Scratch.Path);
        status.Connected(TimeSpan.FromSeconds(10), activeRuns: 3);

        var json = File.ReadAllText(status.FilePath);
        using var document = JsonDocument.Parse(json);

        document.RootElement.EnumerateObject().Select(p => p.Name).Should().Equal(
            "state", "since", "updated_at", "last_heartbeat_at", "active_runs", "heartbeat_seconds", "agent_version");
        document.RootElement.GetProperty("state").GetString().Should().Be("connected");
        document.RootElement.GetProperty("since").GetString().Should().Be("2025-03-14T09:00:00.000Z");
        document.RootElement.GetProperty("last_heartbeat_at").ValueKind.Should().Be(JsonValueKind.Null);
        document.RootElement.GetProperty("active_runs").GetInt32().Should().Be(3);
        json.Should().NotContain("amr").And.NotContain(Scratch.Path, "no dataset, report or path goes into the status file");
        Directory.GetFiles(Scratch.Path).Should().Equal(status.FilePath);
    }

    [Test]
    public void Write_DataDirectoryUnwritable_LogsOnceKeepsRunningAndLogsTheRecovery()
    {
        var blocked = Scratch.Combine("not-a-folder");
        File.WriteAllText(blocked, "a file where the data directory should be");
        var status = CreateStatus(blocked);
        var written = 0;
        status.Written += _ => written++;

        status.Starting(activeRuns: 0);
        status.Connected(TimeSpan.FromSeconds(10), activeRuns: 0);
        status.Refresh(activeRuns: 0);
        File.Delete(blocked);
        Directory.CreateDirectory(blocked);
        status.Refresh(activeRuns: 0);

        _logs.Entries.Where(e => e.EventId.Id == 700).Should().ContainSingle()
            .Which.Level.Should().Be(LogLevel.Warning);
        _logs.Entries.Where(e => e.EventId.Id == 701).Should().ContainSingle();
        written.Should().Be(1);
        AgentStatusFile.TryRead(status.FilePath)!.State.Should().Be(AgentState.Connected, "the state was kept while the file could not be written");
    }

    private AgentStatus CreateStatus(string dataDirectory)
    {
        var config = new NodeConfig
        {
            Name = "chu-test",
            CoordinatorUrl = new Uri("https://127.0.0.1:7443"),
            DataDirectory = dataDirectory,
            Datasets = [new DatasetDefinition("amr-reports", Scratch.Combine("amr.jsonl"), "jsonl")],
            SourcePath = Scratch.Combine("node.yaml"),
        };
        return new AgentStatus(config, AgentOptions.FromConfig(config), _clock, _logs.CreateLogger<AgentStatus>());
    }
}
