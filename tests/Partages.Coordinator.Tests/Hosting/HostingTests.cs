using System.Net;
using Microsoft.Extensions.Options;
using Partages.Coordinator.Hosting;

namespace Partages.Coordinator.Tests.Hosting;

public sealed class HostingTests : CoordinatorFixture
{
    [TestCase("/healthz")]
    [TestCase("/readyz")]
    public async Task HealthEndpoint_OverHttp1_Healthy(string path)
    {
        using var http = HttpClient(HttpVersion.Version11);

        using var response = await http.GetAsync(new Uri(Server.Address, path));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Version.Should().Be(HttpVersion.Version11);
        (await response.Content.ReadAsStringAsync()).Should().Be("Healthy");
    }

    [TestCase("")]
    [TestCase("partages.v1.EnrollmentService")]
    [TestCase("partages.v1.NodeService")]
    [TestCase("partages.v1.EvaluationService")]
    public async Task GrpcHealthCheck_ServerAndEachService_Serving(string service)
    {
        var health = new Grpc.Health.V1.Health.HealthClient(Server.Channel());

        var response = await health.CheckAsync(new Grpc.Health.V1.HealthCheckRequest { Service = service }, deadline: TestCoordinator.Deadline());

        response.Status.Should().Be(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving);
    }

    [Test]
    public async Task GrpcHealthCheck_UnknownService_NotFound()
    {
        var health = new Grpc.Health.V1.Health.HealthClient(Server.Channel());

        var check = async () => await health.CheckAsync(new Grpc.Health.V1.HealthCheckRequest { Service = "partages.v1.NoSuchService" }, deadline: TestCoordinator.Deadline());

        (await check.Should().ThrowAsync<Grpc.Core.RpcException>()).Which.StatusCode.Should().Be(Grpc.Core.StatusCode.NotFound);
    }

    [Test]
    public async Task Endpoint_SamePort_AlsoServesHttp2()
    {
        using var http = HttpClient(HttpVersion.Version20);

        using var response = await http.GetAsync(new Uri(Server.Address, "/healthz"));

        response.Version.Should().Be(HttpVersion.Version20);
    }

    [Test]
    public async Task CaDiscovery_WithoutAnyCredential_ServesTheCaCertificateNodesPin()
    {
        using var http = HttpClient(HttpVersion.Version11);

        var pem = await http.GetStringAsync(new Uri(Server.Address, "/.well-known/partages/ca.crt"));

        using var served = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(pem);
        var onDisk = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(Path.Combine(Server.DataDir, "pki", "ca.crt"));
        served.RawData.Should().Equal(onDisk.RawData);
        served.HasPrivateKey.Should().BeFalse();
    }

    [Test]
    public void DataDir_PkiCreatedOnFirstStart()
    {
        var pki = Path.Combine(Server.DataDir, "pki");

        File.Exists(Path.Combine(pki, "ca.pfx")).Should().BeTrue();
        File.Exists(Path.Combine(pki, "ca.crt")).Should().BeTrue();
        File.Exists(Path.Combine(pki, "server.pfx")).Should().BeTrue();
        File.Exists(Path.Combine(Server.DataDir, "coordinator.db")).Should().BeTrue();
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(Path.Combine(pki, "ca.pfx")).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    [Test]
    public void BuildServer_InvalidSettings_ListsEveryError()
    {
        var build = () => Program.BuildServer(["--Coordinator:Urls=http://127.0.0.1:1", "--Coordinator:LeaseSeconds=10", "--Coordinator:HeartbeatIntervalSeconds=10"]);

        var failures = build.Should().Throw<OptionsValidationException>().Which.Failures.ToList();
        failures.Should().HaveCount(3);
        failures.Should().Contain(f => f.Contains("DataDir")).And.Contain(f => f.Contains("https://")).And.Contain(f => f.Contains("HeartbeatIntervalSeconds"));
    }

    [Test]
    public void Collect_OfflineGraceOutOfRange_Listed()
    {
        var options = new CoordinatorOptions { DataDir = "/tmp/x", OfflineGraceSeconds = -1 };

        CoordinatorOptionsValidator.Collect(options).Should().ContainSingle(e => e.Contains("OfflineGraceSeconds is -1", StringComparison.Ordinal));
        CoordinatorOptionsValidator.Collect(new CoordinatorOptions { DataDir = "/tmp/x", OfflineGraceSeconds = 0 }).Should().BeEmpty("0 closes at the next lease check");
    }

    [Test]
    public async Task Serve_InvalidSettings_ExitCode2WithEveryErrorOnStandardError()
    {
        var (exit, _, error) = await TestCoordinator.RunCliAsync("serve", "--urls", "http://nope", "--Coordinator:LeaseSeconds=0");

        exit.Should().Be(2);
        error.Should().Contain("DataDir").And.Contain("https://").And.Contain("LeaseSeconds is 0");
    }

    private HttpClient HttpClient(Version version) => new(new SocketsHttpHandler
    {
        SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = TestPki.TrustOnly(Server.CaCertificate) },
    })
    {
        DefaultRequestVersion = version,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };
}
