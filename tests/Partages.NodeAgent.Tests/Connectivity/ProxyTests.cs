using System.Net;
using Partages.Testing.Network;
using Partages.Trust.Network;

namespace Partages.NodeAgent.Tests.Connectivity;

/// <summary>
/// The node behind a real HTTP proxy (Debian's tinyproxy, started per test): enrollment, CA discovery and the session
/// go through its CONNECT tunnel with mutual TLS intact; a proxy that wants credentials or refuses the tunnel is named
/// in a clear message, and the agent keeps retrying.
/// </summary>
public sealed class ProxyTests : FakeCoordinatorFixture
{
    private TinyProxy? _proxy;

    [TearDown]
    public async Task StopProxy()
    {
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }
    }

    [Test]
    public async Task EnrollAndRun_ThroughProxyWithoutAuthentication_EveryConnectionTunnels()
    {
        var proxy = await StartProxyAsync(new TinyProxyOptions());
        var config = Config(Settings(proxy));

        var result = await Enroller().EnrollAsync(config, "good-token", Pin(Pki.Pin), CancellationToken.None);
        result.CaSha256.Should().Be(Pki.Pin);
        var enrollTunnels = proxy.ConnectRequests.Count;

        await using var node = await StartNodeAsync(Settings(proxy));
        var session = await Coordinator.NextSessionAsync();

        session.NodeName.Should().Be(NodeUnderTest.NodeName, "the client certificate reached the coordinator through the tunnel");
        enrollTunnels.Should().BeGreaterThanOrEqualTo(2, "CA discovery and Enroll both went through the proxy");
        proxy.ConnectRequests.Should().HaveCountGreaterThan(enrollTunnels).And.OnlyContain(t => t == $"127.0.0.1:{Coordinator.Address.Port}");
    }

    [Test]
    public async Task EnrollAndRun_ThroughProxyWithBasicAuthentication_Connects()
    {
        var proxy = await StartProxyAsync(new TinyProxyOptions { User = "alice", Password = "s3cret" });
        var settings = Settings(proxy, new NetworkCredential("alice", "s3cret"));

        await Enroller().EnrollAsync(Config(settings), "good-token", Pin(Pki.Pin), CancellationToken.None);
        await using var node = await StartNodeAsync(settings);
        var session = await Coordinator.NextSessionAsync();

        session.NodeName.Should().Be(NodeUnderTest.NodeName);
        proxy.ConnectRequests.Should().NotBeEmpty();
    }

    [Test]
    public async Task Run_ProxyWantsCredentialsNoneConfigured_SaysSoAndKeepsRetrying()
    {
        var proxy = await StartProxyAsync(new TinyProxyOptions { User = "alice", Password = "s3cret" });

        await using var node = await StartNodeAsync(Settings(proxy));

        var outage = await node.Logs.WaitForAsync(m => m.StartsWith("Lost the coordinator", StringComparison.Ordinal));
        outage.Message.Should().Contain($"the proxy {proxy.Address.Scheme}://{proxy.Address.Authority}").And.Contain("407").And.Contain("credentials_file");
        var retry = await node.Logs.WaitForAsync(m => m.StartsWith("Reconnect attempt failed", StringComparison.Ordinal));
        retry.Message.Should().Contain("proxy");
        outage.Exception.Should().BeNull("an operator reads one line, not a stack trace");
        Coordinator.Sessions.Reader.Count.Should().Be(0);
    }

    [Test]
    public async Task Enroll_ProxyRefusesTheCredentials_NamesTheProxyAndTheUser()
    {
        var proxy = await StartProxyAsync(new TinyProxyOptions { User = "alice", Password = "s3cret" });

        var act = () => Enroller().EnrollAsync(Config(Settings(proxy, new NetworkCredential("alice", "wrong"))), "good-token", Pin(Pki.Pin), CancellationToken.None);

        var failure = (await act.Should().ThrowAsync<EnrollmentException>()).Which;
        failure.Failure.Should().Be(EnrollmentFailure.Unreachable);
        failure.Message.Should().Contain($"the proxy http://{proxy.Address.Authority}").And.Contain("refused the credentials of user 'alice'").And.NotContain("wrong");
        Coordinator.EnrollRequests.Should().BeEmpty();
    }

    [Test]
    public async Task Enroll_ProxyRefusesTheConnect_NamesTheProxyAndWhatToAllow()
    {
        var proxy = await StartProxyAsync(new TinyProxyOptions { ConnectPorts = [443] });

        var act = () => Enroller().EnrollAsync(Config(Settings(proxy)), "good-token", Pin(Pki.Pin), CancellationToken.None);

        var failure = (await act.Should().ThrowAsync<EnrollmentException>()).Which;
        failure.Message.Should().Contain($"the proxy http://{proxy.Address.Authority}")
            .And.Contain("refused to open a tunnel")
            .And.Contain($"allow HTTPS (CONNECT) to 127.0.0.1:{Coordinator.Address.Port}")
            .And.Contain("check coordinator.proxy (or HTTPS_PROXY/NO_PROXY)");
    }

    [Test]
    public async Task Run_CoordinatorInNoProxy_ConnectsDirectly()
    {
        var proxy = await StartProxyAsync(new TinyProxyOptions { ConnectPorts = [443] });

        await using var node = await StartNodeAsync(Settings(proxy) with { NoProxy = ["127.0.0.1"] });
        var session = await Coordinator.NextSessionAsync();

        session.NodeName.Should().Be(NodeUnderTest.NodeName);
        proxy.ConnectRequests.Should().BeEmpty();
    }

    [Test]
    public async Task Check_ThroughProxyWithCredentialsFile_ReachableThroughTheProxy()
    {
        var proxy = await StartProxyAsync(new TinyProxyOptions { User = "alice", Password = "s3cret" });
        File.WriteAllText(Scratch.Combine("proxy.cred"), "alice:s3cret\n");
        var configPath = CheckedNode.Write(Scratch, Pki, Coordinator.Address, $"""
              proxy:
                url: {proxy.Address.ToString().TrimEnd('/')}
                credentials_file: ./proxy.cred
            """);

        var (_, output, _) = await AgentCli.InvokeAsync(["check", "--config", configPath]);

        output.Should().Contain($"[ok]   coordinator: {Coordinator.Address} is reachable through the proxy http://{proxy.Address.Authority} (from coordinator.proxy in node.yaml)")
            .And.Contain("[ok]   clock: within 5 min");
        proxy.ConnectRequests.Should().NotBeEmpty();
    }

    [Test]
    public async Task Check_ProxyRefusesTheConnect_FailsNamingTheProxy()
    {
        var proxy = await StartProxyAsync(new TinyProxyOptions { ConnectPorts = [443] });
        var configPath = CheckedNode.Write(Scratch, Pki, Coordinator.Address, $"""
              proxy:
                url: {proxy.Address.ToString().TrimEnd('/')}
            """);

        var (_, output, _) = await AgentCli.InvokeAsync(["check", "--config", configPath]);

        output.Should().Contain($"[FAIL] coordinator: cannot reach {Coordinator.Address}: the proxy http://{proxy.Address.Authority}").And.Contain("refused to open a tunnel");
    }

    [Test]
    public async Task Check_ClockTwoHoursBehind_FailsWithTheSkew()
    {
        var configPath = CheckedNode.Write(Scratch, Pki, Coordinator.Address, "  proxy: none");

        var (_, output, _) = await AgentCli.InvokeAsync(["check", "--config", configPath], new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-2)));

        output.Should().Contain("[FAIL] clock: this machine's clock is 2 h behind the coordinator's");
    }

    private async Task<TinyProxy> StartProxyAsync(TinyProxyOptions options) =>
        _proxy = await TinyProxy.StartAsync(Scratch.Combine("proxy"), options);

    private static ProxySettings Settings(TinyProxy proxy, NetworkCredential? credentials = null) => new()
    {
        Address = proxy.Address,
        Credentials = credentials,
        Source = "coordinator.proxy in node.yaml",
    };

    private NodeConfig Config(ProxySettings proxy) => new()
    {
        Name = NodeUnderTest.NodeName,
        CoordinatorUrl = Coordinator.Address,
        DataDirectory = Scratch.Combine("enrolled"),
        Datasets = [new DatasetDefinition("amr-reports", Scratch.Combine("amr.jsonl"), "jsonl")],
        SourcePath = Scratch.Combine("node.yaml"),
        Proxy = proxy,
    };

    private Task<NodeUnderTest> StartNodeAsync(ProxySettings proxy) =>
        NodeUnderTest.StartAsync(Coordinator, Engine, Scratch, configure: (config, _) => config with { Proxy = proxy });

    private static NodeEnroller Enroller() => new(NullLogger<NodeEnroller>.Instance) { Timeout = TimeSpan.FromSeconds(10) };

    private static CaPin Pin(string hex)
    {
        CaPin.TryParse(hex, out var pin, out _).Should().BeTrue();
        return pin!;
    }
}
