using System.Net;
using System.Net.Sockets;
using Partages.Trust.Network;

namespace Partages.NodeAgent.Tests.Connectivity;

/// <summary>A node whose clock is off says so when it connects; a coordinator with several addresses is reached past a dead one.</summary>
public sealed class ClockAndAddressTests : FakeCoordinatorFixture
{
    [Test]
    public async Task Run_ClockHoursAhead_SaysSoAtStart()
    {
        var ahead = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(3));

        await using var node = await NodeUnderTest.StartAsync(Coordinator, Engine, Scratch, timeProvider: ahead);

        var warning = await node.Logs.WaitForAsync(m => m.StartsWith("Clock:", StringComparison.Ordinal));
        warning.Level.Should().Be(LogLevel.Warning);
        warning.Message.Should().Contain("3 h ahead of the coordinator's").And.Contain("synchronise the clock");
    }

    [Test]
    public async Task Run_ClockRight_SaysNothing()
    {
        await using var node = await NodeUnderTest.StartAsync(Coordinator, Engine, Scratch);

        await node.Logs.WaitForAsync(m => m.StartsWith("Connected to the coordinator", StringComparison.Ordinal));

        node.Logs.Entries.Should().NotContain(e => e.Message.StartsWith("Clock:", StringComparison.Ordinal));
    }

    [Test]
    public void Describe_OffsetWithinTolerance_Null()
    {
        ServerClock.Describe(TimeSpan.FromMinutes(-4), ServerClock.DefaultTolerance, "https://c:1/").Should().BeNull();
        ServerClock.Describe(TimeSpan.FromMinutes(90), ServerClock.DefaultTolerance, "https://c:1/").Should().Contain("1.5 h behind the coordinator's");
    }

    [Test]
    public async Task Run_FirstAddressDead_ReachesTheSecond()
    {
        var dead = DeadAddress();

        await using var node = await NodeUnderTest.StartAsync(
            Coordinator,
            Engine,
            Scratch,
            configure: (config, _) => config with { CoordinatorUrl = dead, CoordinatorUrls = [dead, Coordinator.Address] });
        var session = await Coordinator.NextSessionAsync();

        session.NodeName.Should().Be(NodeUnderTest.NodeName);
        var moved = await node.Logs.WaitForAsync(m => m.StartsWith("Could not reach the coordinator at", StringComparison.Ordinal));
        moved.Message.Should().Contain(dead.Authority).And.Contain(Coordinator.Address.Authority);
    }

    [Test]
    public async Task Check_TwoAddressesOneDead_ProbesEachAndFailsNamingTheDeadOne()
    {
        var dead = DeadAddress();
        var live = Coordinator.Address.ToString().TrimEnd('/');
        var configPath = CheckedNode.Write(Scratch, Pki, Coordinator.Address, "  proxy: none");
        File.WriteAllText(configPath, File.ReadAllText(configPath).Replace($"url: {live}", $"url: [{live}, {dead.ToString().TrimEnd('/')}]", StringComparison.Ordinal));

        var (exit, output, _) = await AgentCli.InvokeAsync(["check", "--config", configPath]);

        output.Should().Contain($"[ok]   coordinator {live}/: {live}/ is reachable and accepts this node's certificate")
            .And.Contain($"[FAIL] coordinator {dead}: cannot reach {dead}")
            .And.Contain("[ok]   clock: within 5 min");
        exit.Should().Be(ExitCodes.Failure);
    }

    /// <summary>A loopback port nothing listens on: connections are refused at once.</summary>
    private static Uri DeadAddress()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return new Uri($"https://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}");
    }
}
