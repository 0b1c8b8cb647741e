using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace Partages.EndToEnd.Tests;

/// <summary>
/// Issue 20, CA rotation end to end over two node agents (real processes): the operator adds a new CA, the nodes learn
/// it over their sessions (checked through its cross-certificate), retiring is refused while they still hold old-CA
/// certificates, the new CA starts issuing and both nodes renew under it by themselves, the old CA is retired, and after
/// the coordinator restarts under the new CA both nodes are back online trusting only it. No node is re-enrolled.
/// </summary>
[NonParallelizable]
public sealed partial class CaRotationTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(8);
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(2);

    [Test]
    public async Task CaRotation_TwoNodes_EachStepByOperatorCommandAndNoReEnrollment()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        var work = TestAssets.NewDirectory("ca-rotation");
        await using var federation = await LocalFederation.StartAsync(new FederationOptions { WorkDirectory = work, PinnedBundleSha256 = [TestAssets.Assets.BundleSha256] }, cts.Token);
        var nodes = new[]
        {
            await federation.AddNodeAsync("rot-a", [new NodeDataset("amr-reports", TestAssets.Assets.Hospitals[0].AmrPath)], cts.Token),
            await federation.AddNodeAsync("rot-b", [new NodeDataset("amr-reports", TestAssets.Assets.Hospitals[1].AmrPath)], cts.Token),
        };
        foreach (var node in nodes)
        {
            await node.Process.WaitForLineAsync(ConnectedLine(), StepTimeout, cts.Token);
        }

        var oldPin = FederationSupport.CertificatePin(Path.Combine(federation.CoordinatorDataDirectory, "pki", "ca.crt"));

        var started = await AdminAsync(federation, "start", cts.Token);
        started.Code.Should().Be(0, started.Output);
        var newPin = FederationSupport.CertificatePin(Path.Combine(federation.CoordinatorDataDirectory, "pki", "ca-next.crt"));
        await RestartCoordinatorAsync(federation, cts.Token);
        foreach (var node in nodes)
        {
            await node.Process.WaitForLineAsync(new Regex($"Trust: now trusts the coordinator's new CA {newPin}"), StepTimeout, cts.Token);
            FederationSupport.CertificatePin(Path.Combine(node.DataDirectory, "identity", "ca-next.crt")).Should().Be(newPin);
        }

        var early = await AdminAsync(federation, "retire", cts.Token);
        early.Code.Should().Be(1);
        early.Error.Should().Contain("The new CA does not issue certificates yet");

        (await AdminAsync(federation, "issue-new", cts.Token)).Code.Should().Be(0);
        var notMoved = await AdminAsync(federation, "retire", cts.Token);
        notMoved.Code.Should().Be(1);
        notMoved.Error.Should().Contain("2 node(s) still hold a certificate from the old CA: rot-a, rot-b");
        await RestartCoordinatorAsync(federation, cts.Token);
        foreach (var node in nodes)
        {
            await node.Process.WaitForLineAsync(RenewedLine(), StepTimeout, cts.Token);
            using var certificate = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(Path.Combine(node.DataDirectory, "identity", "node.crt"), cts.Token));
            using var newCa = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(Path.Combine(node.DataDirectory, "identity", "ca-next.crt"), cts.Token));
            certificate.Issuer.Should().Be(newCa.Subject);
        }

        var retired = await AdminAsync(federation, "retire", cts.Token);
        retired.Code.Should().Be(0, retired.Error);
        FederationSupport.CertificatePin(Path.Combine(federation.CoordinatorDataDirectory, "pki", "ca.crt")).Should().Be(newPin);
        await RestartCoordinatorAsync(federation, cts.Token);
        foreach (var node in nodes)
        {
            await node.Process.WaitForLineAsync(new Regex($"Trust: the coordinator retired the CA {oldPin}"), StepTimeout, cts.Token);
            FederationSupport.CertificatePin(Path.Combine(node.DataDirectory, "identity", "ca.crt")).Should().Be(newPin);
            File.Exists(Path.Combine(node.DataDirectory, "identity", "ca-next.crt")).Should().BeFalse();
        }

        // Back online under the new CA alone: the evaluator API (trusting the coordinator's new ca.crt) sees both.
        using var channel = federation.CreateEvaluatorChannel(await federation.CreateApiTokenAsync("rotation", "viewer", cts.Token));
        var listed = await new EvaluatorClient(channel).ListNodesAsync(cancellationToken: cts.Token);
        listed.Where(n => n.Online).Select(n => n.Name).Should().BeEquivalentTo("rot-a", "rot-b");
        var status = await AdminAsync(federation, "status", cts.Token);
        status.Output.Should().Contain("No CA rotation under way").And.Contain(newPin);
    }

    private static async Task RestartCoordinatorAsync(LocalFederation federation, CancellationToken cancellationToken)
    {
        await federation.StopCoordinatorAsync();
        await federation.StartCoordinatorAsync(cancellationToken);
    }

    private static async Task<(int Code, string Output, string Error)> AdminAsync(LocalFederation federation, string verb, CancellationToken cancellationToken)
    {
        await using var process = ManagedProcess.Start(
            $"ca-rotation {verb}", Executables.Coordinator, ["admin", "ca-rotation", verb, "--data-dir", federation.CoordinatorDataDirectory],
            Path.Combine(federation.LogDirectory, $"ca-rotation-{verb}-{Guid.NewGuid():N}.log"));
        var code = await process.Exited.WaitAsync(cancellationToken);
        return (code, process.Output(), process.StandardError());
    }


    [GeneratedRegex(@"Renewed the node certificate: sha256 [0-9a-f]{64}")]
    private static partial Regex RenewedLine();

    [GeneratedRegex("Connected to the coordinator at")]
    private static partial Regex ConnectedLine();
}
