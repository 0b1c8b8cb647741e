namespace Partages.NodeAgent.Tests.Session;

/// <summary>The status file as the real agent keeps it, against the fake coordinator over mTLS on loopback.</summary>
public sealed class SessionStatusTests : FakeCoordinatorFixture
{
    [Test]
    public async Task Welcome_Received_WritesConnectedStatusFile()
    {
        await using var node = await NodeUnderTest.StartAsync(Coordinator, Engine, Scratch);
        await Coordinator.NextSessionAsync();

        var connected = await node.StatusAsync(s => s.State == AgentState.Connected);
        var onDisk = AgentStatusFile.TryRead(Path.Combine(node.Config.DataDirectory, "status.json"));

        onDisk.Should().NotBeNull();
        onDisk!.State.Should().Be(AgentState.Connected);
        onDisk.Since.Should().Be(connected.Since);
        onDisk.HeartbeatInterval.Should().Be(TimeSpan.FromMilliseconds(200));
        onDisk.AgentVersion.Should().NotBeNullOrEmpty();
        File.ReadAllText(node.Status.FilePath).Should().NotContain("amr-reports", "no dataset goes into the status file");
    }

    [Test]
    public async Task Heartbeat_Sent_RecordsItsTimeAndTheHealthCommandSaysReady()
    {
        await using var node = await NodeUnderTest.StartAsync(Coordinator, Engine, Scratch);
        var session = await Coordinator.NextSessionAsync();
        await session.NextAsync(m => m.Heartbeat is not null);

        var status = await node.StatusAsync(s => s.State == AgentState.Connected && s.LastHeartbeatAt is not null);
        File.WriteAllText(node.Config.SourcePath, $"""
            name: {NodeUnderTest.NodeName}
            coordinator:
              url: {Coordinator.Address.ToString().TrimEnd('/')}
            data_directory: ./node-data
            datasets:
              - name: amr-reports
                path: ./amr.jsonl
                format: jsonl
            """);
        using var output = new StringWriter();
        var code = await NodeAgentCli.InvokeAsync(["health", "--config", node.Config.SourcePath], output, TextWriter.Null);

        status.LastHeartbeatAt.Should().BeOnOrAfter(status.Since);
        code.Should().Be(ExitCodes.Ok, output.ToString());
        output.ToString().Should().StartWith("ready: connected since");
    }

    [Test]
    public async Task ServerDropsStream_CoordinatorDown_DisconnectedSinceTheDropUntilReconnected()
    {
        await using var node = await NodeUnderTest.StartAsync(Coordinator, Engine, Scratch);
        var first = await Coordinator.NextSessionAsync();
        var connected = await node.StatusAsync(s => s.State == AgentState.Connected);
        var refusedTwice = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Coordinator.SessionRefused += () =>
        {
            if (Coordinator.RefusedSessions >= 2)
            {
                refusedTwice.TrySetResult();
            }
        };

        Coordinator.RefuseSessions = true;
        first.Drop();
        var lost = await node.StatusAsync(s => s.State == AgentState.Disconnected);
        await refusedTwice.Task.WaitAsync(TestTimeouts.Default);
        var later = await node.StatusAsync(s => s.State == AgentState.Disconnected && s.UpdatedAt > lost.UpdatedAt);
        Coordinator.RefuseSessions = false;
        await Coordinator.NextSessionAsync();
        var back = await node.StatusAsync(s => s.State == AgentState.Connected && s.Since > connected.Since);

        lost.Since.Should().BeOnOrAfter(connected.Since);
        later.Since.Should().Be(lost.Since, "failed attempts do not restart the outage");
        HealthProbe.Evaluate(later, HealthMode.Readiness, HealthProbe.MinimumMaxAge, later.UpdatedAt).Healthy.Should().BeFalse();
        HealthProbe.Evaluate(later, HealthMode.Liveness, HealthProbe.MinimumMaxAge, later.UpdatedAt).Healthy.Should().BeTrue();
        back.Since.Should().BeOnOrAfter(later.UpdatedAt);
    }

    [Test]
    public async Task CoordinatorDown_ClockMovesOneHeartbeat_StatusRefreshedWithoutAnotherAttempt()
    {
        var clock = new FakeTimeProvider(TestClock.DefaultStart);
        Coordinator.RefuseSessions = true;
        await using var node = await NodeUnderTest.StartAsync(
            Coordinator,
            Engine,
            Scratch,
            options =>
            {
                // The back-off is far longer than the heartbeat, so the only timer the test can fire is the steady refresh.
                options.ReconnectInitialDelay = TimeSpan.FromHours(1);
                options.ReconnectMaxDelay = TimeSpan.FromHours(1);
            },
            timeProvider: clock);

        var down = await node.StatusAsync(s => s.State == AgentState.Disconnected);
        clock.Advance(TimeSpan.FromMilliseconds(200));
        var refreshed = await node.StatusAsync(s => s.UpdatedAt == TestClock.DefaultStart.AddMilliseconds(200));

        down.Since.Should().Be(TestClock.DefaultStart);
        down.UpdatedAt.Should().Be(TestClock.DefaultStart);
        refreshed.State.Should().Be(AgentState.Disconnected);
        refreshed.Since.Should().Be(TestClock.DefaultStart);
        Coordinator.RefusedSessions.Should().Be(1, "the write came from the steady timer, not from a reconnect attempt");
        HealthProbe.Evaluate(refreshed, HealthMode.Liveness, HealthProbe.MinimumMaxAge, clock.GetUtcNow()).Healthy.Should().BeTrue();
    }

    [Test]
    public async Task HostStopping_Connected_WritesStoppedStatus()
    {
        var node = await NodeUnderTest.StartAsync(Coordinator, Engine, Scratch);
        await Coordinator.NextSessionAsync();
        await node.StatusAsync(s => s.State == AgentState.Connected);
        var statusPath = node.Status.FilePath;

        await node.DisposeAsync();

        AgentStatusFile.TryRead(statusPath)!.State.Should().Be(AgentState.Stopped);
    }
}
