using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace Partages.EndToEnd.Tests;

/// <summary>
/// Issue 20, certificate renewal without a person, with real processes: a coordinator issuing two-minute node
/// certificates, a node agent renewing at 30 % of the lifetime over its session; after a restart the agent runs with
/// the renewed identity (its next renewal is made with it) and its audit log records every step and still verifies.
/// </summary>
[NonParallelizable]
public sealed partial class CertificateRenewalTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(6);

    [Test]
    public async Task Run_ShortLivedCertificate_RenewsItselfAndAfterARestartRenewsWithTheRenewedCertificate()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        var work = TestAssets.NewDirectory("renewal");
        await using var federation = await LocalFederation.StartAsync(new FederationOptions
        {
            WorkDirectory = work,
            CoordinatorArguments = ["--Coordinator:NodeCertificateMinutes=2"],
            PinnedBundleSha256 = [TestAssets.Assets.BundleSha256],
        }, cts.Token);
        var node = await federation.AddNodeAsync("renewing", [new NodeDataset("amr-reports", TestAssets.Assets.Hospitals[0].AmrPath)], new NodeSettings { CertificateRenewAt = 0.3 }, cts.Token);
        var certificatePath = Path.Combine(node.DataDirectory, "identity", "node.crt");
        var enrolled = FederationSupport.CertificatePin(certificatePath);

        var first = await node.Process.WaitForLineAsync(RenewedLine(), TimeSpan.FromMinutes(2), cts.Token);
        await node.Process.WaitForLineAsync(ReconnectingLine(), TimeSpan.FromMinutes(1), cts.Token);

        first.Groups["previous"].Value.Should().Be(enrolled);
        var renewed = first.Groups["new"].Value;
        FederationSupport.CertificatePin(certificatePath).Should().Be(renewed);
        File.Exists(Path.Combine(node.DataDirectory, "identity", "renewal.pem")).Should().BeFalse();

        (await node.Process.StopAsync(StopSignal.Terminate, TimeSpan.FromSeconds(60), cts.Token)).Should().Be(0);
        node.Start();
        await node.Process.WaitForLineAsync(ConnectedLine(), TimeSpan.FromMinutes(1), cts.Token);
        var second = await node.Process.WaitForLineAsync(RenewedLine(), TimeSpan.FromMinutes(2), cts.Token);

        second.Groups["previous"].Value.Should().Be(renewed, "the restarted agent renews with the certificate it renewed before");
        using var evaluatorChannel = federation.CreateEvaluatorChannel(await federation.CreateApiTokenAsync("renewal", "viewer", cts.Token));
        var listed = (await new EvaluatorClient(evaluatorChannel).ListNodesAsync(cancellationToken: cts.Token)).Single(n => n.Name == "renewing");
        using (var current = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(certificatePath, cts.Token)))
        {
            listed.CertificateNotAfter.ToDateTimeOffset().Should().Be(new DateTimeOffset(current.NotAfter.ToUniversalTime(), TimeSpan.Zero));
        }

        await node.Process.StopAsync(StopSignal.Terminate, TimeSpan.FromSeconds(60), cts.Token);
        var audit = await File.ReadAllLinesAsync(Path.Combine(node.DataDirectory, "audit", "audit.jsonl"), cts.Token);
        audit.Count(l => l.Contains("\"event\":\"certificate_renewal_requested\"", StringComparison.Ordinal)).Should().BeGreaterThanOrEqualTo(2);
        audit.Count(l => l.Contains("\"event\":\"certificate_renewed\"", StringComparison.Ordinal)).Should().BeGreaterThanOrEqualTo(2);
        await using var verify = ManagedProcess.Start(
            "audit verify", Executables.NodeAgent, ["audit", "verify", "--config", node.ConfigPath, "--offline"], Path.Combine(federation.LogDirectory, "audit-verify.log"));
        (await verify.Exited.WaitAsync(cts.Token)).Should().Be(0, verify.Output());
    }


    [GeneratedRegex(@"Renewed the node certificate: sha256 (?<new>[0-9a-f]{64}), valid until .*\(replaces (?<previous>[0-9a-f]{64})\)")]
    private static partial Regex RenewedLine();

    [GeneratedRegex("Session closed to reconnect with the renewed certificate")]
    private static partial Regex ReconnectingLine();

    [GeneratedRegex("Connected to the coordinator at")]
    private static partial Regex ConnectedLine();
}
