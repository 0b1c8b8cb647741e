using Google.Rpc;
using Microsoft.EntityFrameworkCore;
using Partages.Coordinator.Pki;

namespace Partages.Coordinator.Tests.Pki;

/// <summary>
/// RenewCertificate over a node's mutual-TLS session, against a real coordinator: a new certificate for a new key, the
/// old certificate still accepted until it expires, the refusals (another node's name, a reused key, a revoked node),
/// and every step in the certificate audit.
/// </summary>
public sealed class CertificateRenewalTests : CoordinatorFixture
{
    [Test]
    public async Task RenewCertificate_OwnNameNewKey_NewCertificateWorksAndTheOldOneStillDoes()
    {
        var node = await Server.EnrollNodeAsync("renew-a");
        var (key, csr) = TestPki.CreateCsr("renew-a");
        using var _ = key;

        var response = await RenewAsync(node.Client, csr);

        using var renewed = TestPki.WithKey(response.CertificatePem, key);
        renewed.GetNameInfo(X509NameType.SimpleName, false).Should().Be("renew-a");
        CertificateAuthority.Thumbprint(renewed).Should().NotBe(CertificateAuthority.Thumbprint(node.Certificate));
        response.Trust.IssuingSha256.Should().Be(Evaluation.ContentHash.Of(Server.CaCertificate.RawData));
        response.Trust.Authorities.Select(a => a.Sha256).Should().Equal(response.Trust.IssuingSha256);
        var withNew = new NodeService.NodeServiceClient(Server.Channel(renewed));
        await withNew.GetAuditAnchorAsync(new GetAuditAnchorRequest(), deadline: TestCoordinator.Deadline());
        await node.GetAuditAnchorAsync();
        var events = await EventsAsync("renew-a");
        events.Select(e => e.Kind).Should().Equal(CertificateEvents.EnrolledKind, CertificateEvents.RenewedKind);
        events[1].CertificateSha256.Should().Be(CertificateAuthority.Thumbprint(renewed));
        events[1].Detail.Should().Contain(CertificateAuthority.Thumbprint(node.Certificate));
    }

    [Test]
    public async Task RenewCertificate_SecondRenewalFromTheNewCertificate_TheFirstCertificateIsRefused()
    {
        var node = await Server.EnrollNodeAsync("renew-b");
        var (key1, csr1) = TestPki.CreateCsr("renew-b");
        using var k1 = key1;
        var first = await RenewAsync(node.Client, csr1);
        using var second = TestPki.WithKey(first.CertificatePem, key1);
        var (key2, csr2) = TestPki.CreateCsr("renew-b");
        using var k2 = key2;

        await RenewAsync(new NodeService.NodeServiceClient(Server.Channel(second)), csr2);

        var withEnrolled = async () => await node.GetAuditAnchorAsync();
        (await withEnrolled.Should().ThrowAsync<RpcException>()).Which.StatusCode.Should().Be(StatusCode.Unauthenticated);
    }

    [Test]
    public async Task RenewCertificate_AnswerLostAndRenewedAgainWithTheOldCertificate_TheOldCertificateStaysAccepted()
    {
        var node = await Server.EnrollNodeAsync("renew-c");
        var (lostKey, lostCsr) = TestPki.CreateCsr("renew-c");
        using var k1 = lostKey;
        await RenewAsync(node.Client, lostCsr);
        var (key, csr) = TestPki.CreateCsr("renew-c");
        using var k2 = key;

        await RenewAsync(node.Client, csr);

        await node.GetAuditAnchorAsync();
    }

    [Test]
    public async Task RenewCertificate_CsrForAnotherNodesName_PermissionDeniedWithErrorInfoAndAudited()
    {
        var node = await Server.EnrollNodeAsync("renew-d");
        await Server.EnrollNodeAsync("renew-victim");
        var (key, csr) = TestPki.CreateCsr("renew-victim");
        using var _ = key;

        var renew = async () => await RenewAsync(node.Client, csr);

        var refused = (await renew.Should().ThrowAsync<RpcException>()).Which;
        refused.StatusCode.Should().Be(StatusCode.PermissionDenied);
        var info = refused.GetRpcStatus()!.GetDetail<ErrorInfo>();
        info.Reason.Should().Be(CertificateRenewal.NameMismatchReason);
        info.Metadata["node"].Should().Be("renew-d");
        info.Metadata["requested_name"].Should().Be("renew-victim");
        refused.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Single().Field.Should().Be("csr_pem");
        (await EventsAsync("renew-d")).Last().Should().Match<CertificateEventEntity>(e => e.Kind == CertificateEvents.RenewalRefusedKind && e.Detail.Contains("CN=renew-victim"));
        await node.GetAuditAnchorAsync();
    }

    [Test]
    public async Task RenewCertificate_CsrWithTheCurrentKey_InvalidArgumentOnCsrPem()
    {
        var node = await Server.EnrollNodeAsync("renew-e");
        using var currentKey = node.Certificate.GetECDsaPrivateKey()!;
        var request = new CertificateRequest("CN=renew-e", currentKey, System.Security.Cryptography.HashAlgorithmName.SHA256);

        var renew = async () => await RenewAsync(node.Client, request.CreateSigningRequestPem());

        var refused = (await renew.Should().ThrowAsync<RpcException>()).Which;
        refused.StatusCode.Should().Be(StatusCode.InvalidArgument);
        refused.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Single().Description.Should().StartWith("must carry a new key");
    }

    [Test]
    public async Task RenewCertificate_RevokedNode_UnauthenticatedAndAudited()
    {
        var node = await Server.EnrollNodeAsync("renew-f");
        var (exit, _, error) = await Server.AdminAsync("admin", "revoke-node", "--data-dir", Server.DataDir, "--node", "renew-f");
        exit.Should().Be(0, error);
        var (key, csr) = TestPki.CreateCsr("renew-f");
        using var _ = key;

        var renew = async () => await RenewAsync(node.Client, csr);

        (await renew.Should().ThrowAsync<RpcException>()).Which.Status.Should().Be(new Grpc.Core.Status(StatusCode.Unauthenticated, "Node 'renew-f' has been revoked."));
        (await EventsAsync("renew-f")).Last().Should().Match<CertificateEventEntity>(e => e.Kind == CertificateEvents.RenewalRefusedKind && e.Detail == "the node is revoked");
    }

    [Test]
    public async Task Heartbeat_AuditHeadSignedWithTheReplacedKeyAfterRenewal_RecordedWithoutWarning()
    {
        var node = await Server.EnrollNodeAsync("renew-g");
        await using var session = await node.ConnectWelcomedAsync();
        var (key, csr) = TestPki.CreateCsr("renew-g");
        using var _ = key;
        await RenewAsync(node.Client, csr);

        await session.HeartbeatAsync(node.SignedHead(3, new string('b', 64)));
        await session.CloseAsync();

        var anchor = await node.GetAuditAnchorAsync();
        anchor.Head.Sequence.Should().Be(3);
        anchor.Warning.Should().BeEmpty();
    }

    /// <summary>RenewCertificate for this CSR, over the session of the certificate <paramref name="client"/> calls with.</summary>
    private static async Task<RenewCertificateResponse> RenewAsync(NodeService.NodeServiceClient client, string csrPem) =>
        await client.RenewCertificateAsync(new RenewCertificateRequest { CsrPem = csrPem }, deadline: TestCoordinator.Deadline());

    private async Task<List<CertificateEventEntity>> EventsAsync(string node)
    {
        await using var db = await Server.App.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<CoordinatorDbContext>>().CreateDbContextAsync();
        return await db.CertificateEvents.AsNoTracking().Where(e => e.NodeName == node).OrderBy(e => e.Id).ToListAsync();
    }
}
