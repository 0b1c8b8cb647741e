using System.Text.RegularExpressions;
using Partages.Demo.Federation;
using Partages.Testing.Network;

namespace Partages.Cli.Tests;

/// <summary>
/// A node agent process behind a real HTTP proxy with Basic authentication (tinyproxy), in front of the real
/// coordinator process: it enrolls and connects through the CONNECT tunnel with mutual TLS intact.
/// </summary>
[NonParallelizable]
public sealed class NodeBehindProxyTests
{
    [Test]
    public async Task EnrollAndRun_ThroughProxyWithCredentials_ConnectsToTheRealCoordinator()
    {
        var work = CliAssets.NewDirectory("proxied");
        await using var proxy = await TinyProxy.StartAsync(Path.Combine(work, "proxy"), new TinyProxyOptions { User = "hospital", Password = "pr0xy" });
        await using var federation = await LocalFederation.StartAsync(new FederationOptions { WorkDirectory = work, PinnedBundleSha256 = [CliAssets.Assets.BundleSha256] });

        var node = await federation.AddNodeAsync(
            "site-proxied",
            [new NodeDataset("amr-reports", CliAssets.Assets.Hospitals[0].AmrPath)],
            new NodeSettings { ProxyUrl = proxy.Address, ProxyCredentials = "hospital:pr0xy" });
        await node.Process.WaitForLineAsync(new Regex("Connected to the coordinator at .* as 'site-proxied'"), TimeSpan.FromSeconds(60));

        var coordinator = $"{federation.CoordinatorUrl.Host}:{federation.CoordinatorUrl.Port}";
        proxy.ConnectRequests.Should().HaveCountGreaterThanOrEqualTo(3, "CA discovery, Enroll and the session each tunnelled").And.OnlyContain(t => t == coordinator);
    }
}
