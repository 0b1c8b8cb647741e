namespace Partages.Coordinator.Tests.Auth;

/// <summary>
/// Node certificates are checked on every call, not only at the TLS handshake: against the coordinator's clock and the
/// node's current enrollment, so a connection opened earlier does not outlive its certificate.
/// </summary>
public sealed class NodeCertificateTests : CoordinatorFixture
{
    // The test moves the clock a year on: FakeTimeProvider fires a periodic timer once per period it skips, so the
    // coordinator's periodic checks run at their longest allowed intervals (thousands of ticks, not millions).
    protected override string[] Settings => ["--Coordinator:LeaseCheckIntervalSeconds=3600", "--Coordinator:TokenCheckIntervalSeconds=300"];

    [Test]
    public async Task GetAuditAnchor_CertificateExpiredOnAnOpenConnection_UnauthenticatedSayingSo()
    {
        var node = await Server.EnrollNodeAsync("expiring");
        await node.Client.GetAuditAnchorAsync(new GetAuditAnchorRequest(), deadline: TestCoordinator.Deadline());
        Server.Time.Advance(TimeSpan.FromDays(366));

        var read = async () => await node.Client.GetAuditAnchorAsync(new GetAuditAnchorRequest(), deadline: TestCoordinator.Deadline());

        (await read.Should().ThrowAsync<RpcException>()).Which.Status.Should().Be(
            new Status(StatusCode.Unauthenticated, "The node certificate has expired or is not yet valid; enroll the node again."));
    }
}
