using Partages.Testing.Network;

namespace Partages.NodeAgent.Tests.Connectivity;

/// <summary>
/// A proxy that inspects TLS (re-signs the coordinator's connection with the hospital's own CA), played by a relay
/// with its own CA in front of the real coordinator: the node refuses it, at enrollment, in its session log and in
/// <c>check</c>, and says which issuer it saw and what exception to ask the network team for.
/// </summary>
public sealed class TlsInspectionTests : FakeCoordinatorFixture
{
    private const string InspectionCa = "Hospital TLS inspection CA";

    private TestPki _inspection = null!;
    private TlsInspectingRelay _relay = null!;

    [SetUp]
    public void StartRelay()
    {
        _inspection = new TestPki(InspectionCa);
        _relay = TlsInspectingRelay.Start(Coordinator.Address, _inspection.ServerCertificate);
    }

    [TearDown]
    public async Task StopRelay()
    {
        await _relay.DisposeAsync();
        _inspection.Dispose();
    }

    [Test]
    public async Task Run_InspectedConnection_RefusesAndExplainsTheIssuerAndTheException()
    {
        await using var node = await NodeUnderTest.StartAsync(Coordinator, Engine, Scratch, configure: (config, _) => config with { CoordinatorUrl = _relay.Address });

        var refused = await node.Logs.WaitForAsync(m => m.StartsWith("Refused the TLS connection", StringComparison.Ordinal));
        refused.Message.Should().Contain($"issued by 'CN={InspectionCa}'")
            .And.Contain("inspecting TLS")
            .And.Contain($"exception (pass-through without re-signing) for 127.0.0.1:{_relay.Address.Port}");
        var outage = await node.Logs.WaitForAsync(m => m.StartsWith("Lost the coordinator", StringComparison.Ordinal));
        outage.Message.Should().Contain("inspecting TLS");
        Coordinator.Sessions.Reader.Count.Should().Be(0, "nothing reached the coordinator through the re-signed connection");
    }

    [Test]
    public async Task Enroll_InspectedConnection_RefusesBeforeSendingTheToken()
    {
        var config = new NodeConfig
        {
            Name = "chu-valmont",
            CoordinatorUrl = _relay.Address,
            DataDirectory = Scratch.Combine("node-data"),
            Datasets = [new DatasetDefinition("amr-reports", Scratch.Combine("amr.jsonl"), "jsonl")],
            SourcePath = Scratch.Combine("node.yaml"),
        };
        CaPin.TryParse(Pki.Pin, out var pin, out _).Should().BeTrue();

        var act = () => new NodeEnroller(NullLogger<NodeEnroller>.Instance) { Timeout = TimeSpan.FromSeconds(10) }.EnrollAsync(config, "good-token", pin!, CancellationToken.None);

        var failure = (await act.Should().ThrowAsync<EnrollmentException>()).Which;
        failure.Failure.Should().Be(EnrollmentFailure.UntrustedCoordinator);
        failure.Message.Should().Contain($"'CN={InspectionCa}'").And.Contain("inspecting TLS").And.Contain("The token was not sent");
        Coordinator.EnrollRequests.Should().BeEmpty();
    }

    [Test]
    public async Task Check_InspectedConnection_FailsWithTheExplanation()
    {
        var configPath = CheckedNode.Write(Scratch, Pki, _relay.Address, "  proxy: none");

        var (_, output, _) = await AgentCli.InvokeAsync(["check", "--config", configPath]);

        output.Should().Contain("[FAIL] coordinator").And.Contain($"issued by 'CN={InspectionCa}'").And.Contain($"for 127.0.0.1:{_relay.Address.Port}");
    }
}
