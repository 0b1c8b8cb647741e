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

        // Moving the clock a year runs the periodic checks thousands of times; on a loaded machine that can take long
        // enough for the open connection to be dropped, and the new one then fails at its handshake (the expired
        // certificate is refused there). Either way the call is refused; when it does reach a method, it says why.
        var status = (await read.Should().ThrowAsync<RpcException>()).Which.Status;
        if (status.StatusCode != StatusCode.Unavailable || !status.Detail.Contains("handshake", StringComparison.Ordinal))
        {
            status.Should().Be(new Status(StatusCode.Unauthenticated, "The node certificate has expired or is not yet valid; enroll the node again."));
        }
    }
}
