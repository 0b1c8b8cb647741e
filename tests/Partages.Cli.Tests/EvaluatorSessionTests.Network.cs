using Partages.Cli.Profiles;
using Partages.Testing.Network;

namespace Partages.Cli.Tests;

/// <summary>The evaluator behind a proxy (a real tinyproxy, HTTPS_PROXY with credentials) and behind one that inspects TLS.</summary>
public sealed partial class EvaluatorSessionTests
{
    [Test]
    public async Task Login_ThroughProxyWithCredentialsInHttpsProxy_LogsInAndListsNodes()
    {
        await using var proxy = await TinyProxy.StartAsync(CliAssets.NewDirectory("proxy"), new TinyProxyOptions { User = "alice", Password = "s3cret" });
        var environment = Variables(("HTTPS_PROXY", $"http://alice:s3cret@{proxy.Address.Authority}"));
        var cli = new CliRunner(CliAssets.NewDirectory("config")) { EnvironmentVariable = environment };

        var login = await cli.RunAsync("login", "--coordinator", Url, "--token", _aliceToken, "--ca-sha256", _caPin);
        var nodes = await cli.RunAsync("nodes", "list");

        login.ExitCode.Should().Be(ExitCodes.Ok, login.ToString());
        nodes.ExitCode.Should().Be(ExitCodes.Ok, nodes.ToString());
        nodes.Output.Should().Contain("site-a");
        proxy.ConnectRequests.Should().NotBeEmpty().And.OnlyContain(t => t == $"{new Uri(Url).Host}:{new Uri(Url).Port}");
    }

    [Test]
    public async Task Nodes_ProxyWantsCredentialsNoneGiven_Exit5NamingTheProxy()
    {
        var direct = await LoggedInAsync(_aliceToken);
        await using var proxy = await TinyProxy.StartAsync(CliAssets.NewDirectory("proxy"), new TinyProxyOptions { User = "alice", Password = "s3cret" });
        var cli = new CliRunner(direct.ConfigDirectory) { EnvironmentVariable = Variables(("https_proxy", proxy.Address.ToString())) };

        var nodes = await cli.RunAsync("nodes", "list");

        nodes.ExitCode.Should().Be(ExitCodes.Unreachable, nodes.ToString());
        nodes.Error.Should().Contain($"the proxy http://{proxy.Address.Authority} (from https_proxy) asks for credentials").And.NotContain("   at ");
    }

    [Test]
    public async Task LoginAndNodes_ThroughTlsInspection_RefusedWithTheIssuerAndWhatToAskFor()
    {
        using var inspection = new TestPki("Hospital TLS inspection CA");
        await using var relay = TlsInspectingRelay.Start(new Uri(Url), inspection.ServerCertificate);
        var direct = await LoggedInAsync(_aliceToken);
        var store = new ProfileStore(direct.ConfigDirectory);
        var profile = await store.LoadAsync(CancellationToken.None);
        await store.SaveAsync(profile with { Coordinator = relay.Address.ToString().TrimEnd('/') }, CancellationToken.None);
        var fresh = new CliRunner(CliAssets.NewDirectory("config"));

        var login = await fresh.RunAsync("login", "--coordinator", relay.Address.ToString(), "--token", _aliceToken, "--ca-sha256", _caPin);
        var nodes = await direct.RunAsync("nodes", "list");

        login.ExitCode.Should().Be(ExitCodes.Auth, login.ToString());
        login.Error.Should().Contain("issued by 'CN=Hospital TLS inspection CA'").And.Contain("inspecting TLS").And.Contain($"127.0.0.1:{relay.Address.Port}");
        nodes.ExitCode.Should().Be(ExitCodes.Auth, nodes.ToString());
        nodes.Error.Should().Contain("issued by 'CN=Hospital TLS inspection CA'").And.Contain("inspecting TLS");
        File.Exists(Path.Combine(fresh.ConfigDirectory, ProfileStore.FileName)).Should().BeFalse();
    }

    private static Func<string, string?> Variables(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;
}
