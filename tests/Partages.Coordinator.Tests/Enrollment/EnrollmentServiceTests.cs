using System.Security.Cryptography;

namespace Partages.Coordinator.Tests.Enrollment;

[TestFixture(TestDatabaseKind.Sqlite)]
[TestFixture(TestDatabaseKind.PostgreSql)]
public sealed class EnrollmentServiceTests(TestDatabaseKind database) : CoordinatorFixture(database)
{
    [Test]
    public async Task Enroll_ValidToken_IssuesClientCertificateThatOpensASession()
    {
        var (token, caPin) = await Server.EnrollmentTokenAsync("enroll-ok");
        var (key, csr) = TestPki.CreateCsr("enroll-ok");
        using var _ = key;

        var response = await Server.EnrollmentClient().EnrollAsync(new EnrollRequest { EnrollmentToken = token, CsrPem = csr, AgentVersion = "test/1" });

        using var certificate = X509Certificate2.CreateFromPem(response.CertificatePem);
        certificate.Subject.Should().Be("CN=enroll-ok");
        certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<Oid>()
            .Select(o => o.Value).Should().Contain("1.3.6.1.5.5.7.3.2");
        certificate.NotAfter.Should().BeCloseTo(DateTime.Now.AddDays(365), TimeSpan.FromDays(1));
        using var ca = X509Certificate2.CreateFromPem(response.CaCertificatePem);
        Convert.ToHexStringLower(SHA256.HashData(ca.RawData)).Should().Be(caPin, "the CA returned is the one the token's pin names");
        response.NodeName.Should().Be("enroll-ok");

        var node = new TestNode(Server, "enroll-ok", TestPki.WithKey(response.CertificatePem, key));
        await using var session = await node.ConnectAsync();
        var welcome = await session.ReadWelcomeAsync();
        welcome.NodeName.Should().Be("enroll-ok");
        welcome.NodeId.Should().Be(response.NodeId);
        welcome.LeaseSeconds.Should().Be(60);
        welcome.HeartbeatIntervalSeconds.Should().Be(15);
    }

    [Test]
    public async Task Enroll_ReusedToken_Unauthenticated()
    {
        var (token, _) = await Server.EnrollmentTokenAsync("enroll-reuse");
        var client = Server.EnrollmentClient();
        await client.EnrollAsync(new EnrollRequest { EnrollmentToken = token, CsrPem = TestPki.CreateCsr("enroll-reuse").CsrPem });

        var again = async () => await client.EnrollAsync(new EnrollRequest { EnrollmentToken = token, CsrPem = TestPki.CreateCsr("enroll-reuse").CsrPem });

        (await again.Should().ThrowAsync<RpcException>()).Which.Status.Should().Match<Status>(s => s.StatusCode == StatusCode.Unauthenticated && s.Detail.Contains("already been used"));
    }

    [Test]
    public async Task Enroll_ExpiredToken_Unauthenticated()
    {
        var (token, _) = await Server.EnrollmentTokenAsync("enroll-expired", ttlHours: 1);
        // The admin command uses the wall clock; move the server's clock past the token's hour.
        Server.Time.Advance(TimeSpan.FromHours(2));

        var enroll = async () => await Server.EnrollmentClient().EnrollAsync(new EnrollRequest { EnrollmentToken = token, CsrPem = TestPki.CreateCsr("enroll-expired").CsrPem });

        (await enroll.Should().ThrowAsync<RpcException>()).Which.Status.Should().Match<Status>(s => s.StatusCode == StatusCode.Unauthenticated && s.Detail.Contains("expired"));
    }

    [Test]
    public async Task Enroll_UnknownToken_Unauthenticated()
    {
        var enroll = async () => await Server.EnrollmentClient().EnrollAsync(new EnrollRequest { EnrollmentToken = "pte_not-a-token", CsrPem = TestPki.CreateCsr("x").CsrPem });

        (await enroll.Should().ThrowAsync<RpcException>()).Which.StatusCode.Should().Be(StatusCode.Unauthenticated);
    }

    [Test]
    public async Task Enroll_CsrForAnotherNodeName_InvalidArgumentAndTokenStillUsable()
    {
        var (token, _) = await Server.EnrollmentTokenAsync("enroll-name");
        var client = Server.EnrollmentClient();

        var wrongName = async () => await client.EnrollAsync(new EnrollRequest { EnrollmentToken = token, CsrPem = TestPki.CreateCsr("someone-else").CsrPem });

        (await wrongName.Should().ThrowAsync<RpcException>()).Which.StatusCode.Should().Be(StatusCode.InvalidArgument);
        var retry = await client.EnrollAsync(new EnrollRequest { EnrollmentToken = token, CsrPem = TestPki.CreateCsr("enroll-name").CsrPem });
        retry.NodeName.Should().Be("enroll-name");
    }

    [Test]
    public async Task Enroll_MalformedCsrOrWeakKey_InvalidArgument()
    {
        var (token, _) = await Server.EnrollmentTokenAsync("enroll-bad-csr");
        using var weak = RSA.Create(1024);
        var weakCsr = new CertificateRequest("CN=enroll-bad-csr", weak, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSigningRequestPem();
        var client = Server.EnrollmentClient();

        var garbage = async () => await client.EnrollAsync(new EnrollRequest { EnrollmentToken = token, CsrPem = "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----" });
        var weakKey = async () => await client.EnrollAsync(new EnrollRequest { EnrollmentToken = token, CsrPem = weakCsr });

        (await garbage.Should().ThrowAsync<RpcException>()).Which.StatusCode.Should().Be(StatusCode.InvalidArgument);
        (await weakKey.Should().ThrowAsync<RpcException>()).Which.Status.Detail.Should().Contain("2048");
    }

    [Test]
    public async Task Enroll_KnownNodeWithFreshToken_ReplacesCertificate()
    {
        var first = await Server.EnrollNodeAsync("enroll-again");
        var second = await Server.EnrollNodeAsync("enroll-again");

        await using var session = await second.ConnectAsync();
        (await session.ReadWelcomeAsync()).NodeName.Should().Be("enroll-again");
        await using var old = await first.ConnectAsync();
        var read = async () => await old.ReadAsync();
        (await read.Should().ThrowAsync<RpcException>()).Which.Status.Should().Be(
            new Status(StatusCode.Unauthenticated, "This certificate is not the current certificate of an enrolled node."));
    }
}
