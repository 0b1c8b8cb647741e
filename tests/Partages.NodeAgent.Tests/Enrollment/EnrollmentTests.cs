using System.Net.Security;

namespace Partages.NodeAgent.Tests.Enrollment;

public sealed class EnrollmentTests : FakeCoordinatorFixture
{
    private NodeConfig _config = null!;

    [SetUp]
    public void Start()
    {
        _config = new NodeConfig
        {
            Name = "chu-valmont",
            CoordinatorUrl = Coordinator.Address,
            DataDirectory = Scratch.Combine("node-data"),
            Datasets = [new DatasetDefinition("amr-reports", Scratch.Combine("amr.jsonl"), "jsonl")],
            SourcePath = Scratch.Combine("node.yaml"),
        };
    }

    [Test]
    public void SigningRequest_CreatePem_HasTheNodeNameAsCommonNameAndOnlyThePublicKey()
    {
        using var key = SigningRequest.CreateKey();

        var pem = SigningRequest.CreatePem(key, "chu-valmont");

        var csr = CertificateRequest.LoadSigningRequestPem(pem, HashAlgorithmName.SHA256);
        csr.SubjectName.Name.Should().Be("CN=chu-valmont");
        csr.PublicKey.GetECDsaPublicKey()!.ExportSubjectPublicKeyInfo().Should().Equal(key.ExportSubjectPublicKeyInfo());
        key.KeySize.Should().Be(256);
        pem.Should().StartWith("-----BEGIN CERTIFICATE REQUEST-----").And.NotContain("PRIVATE KEY");
        ContainsSubsequence(Encoding.ASCII.GetBytes(pem), key.ExportParameters(true).D!).Should().BeFalse();
        ContainsSubsequence(Convert.FromBase64String(string.Concat(pem.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal)))), key.ExportParameters(true).D!)
            .Should().BeFalse();
    }

    [Test]
    public async Task EnrollAsync_CorrectPin_SavesIdentityAndTheKeyNeverLeaves()
    {
        var result = await Enroller().EnrollAsync(_config, "good-token", Pin(Pki.Pin), CancellationToken.None);

        var files = IdentityFiles.For(_config);
        files.Missing().Should().BeEmpty();
        result.CaSha256.Should().Be(Pki.Pin);
        using var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(files.KeyPath));
        File.ReadAllText(files.KeyPath).Should().StartWith("-----BEGIN PRIVATE KEY-----");
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(files.KeyPath).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        var request = Coordinator.EnrollRequests.Should().ContainSingle().Subject;
        request.EnrollmentToken.Should().Be("good-token");
        var csr = CertificateRequest.LoadSigningRequestPem(request.CsrPem, HashAlgorithmName.SHA256);
        csr.SubjectName.Name.Should().Be("CN=chu-valmont");
        csr.PublicKey.GetECDsaPublicKey()!.ExportSubjectPublicKeyInfo().Should().Equal(key.ExportSubjectPublicKeyInfo());
        var wire = Coordinator.EnrollRequestBytes.Single();
        ContainsSubsequence(wire, key.ExportParameters(true).D!).Should().BeFalse("the private key never leaves the node");
        ContainsSubsequence(wire, key.ExportPkcs8PrivateKey()).Should().BeFalse();

        using var identity = NodeIdentity.Load(files);
        identity.Verify(DateTimeOffset.UtcNow).Should().BeEmpty();
        identity.ClientCertificate.HasPrivateKey.Should().BeTrue();
        CaPin.Of(identity.CaCertificate).Should().Be(Pki.Pin);
    }

    [Test]
    public async Task EnrollAsync_PinOfAnotherCa_RefusedAndNothingSaved()
    {
        using var otherCa = new TestPki("Impostor CA");

        var act = () => Enroller().EnrollAsync(_config, "good-token", Pin(otherCa.Pin), CancellationToken.None);

        var error = (await act.Should().ThrowAsync<EnrollmentException>()).Which;
        error.Failure.Should().Be(EnrollmentFailure.UntrustedCoordinator);
        error.Message.Should().Contain(Pki.Pin).And.Contain(otherCa.Pin).And.Contain("The token was not sent");
        Coordinator.EnrollRequests.Should().BeEmpty("the CA is checked against the pin before the token leaves the node");
        IdentityFiles.For(_config).Missing().Should().HaveCount(3, "no key, certificate or CA is kept from a refused enrollment");
    }

    [Test]
    public async Task EnrollAsync_TokenRefused_ReportsTheCoordinatorsReasonAndRemovesTheKey()
    {
        var act = () => Enroller().EnrollAsync(_config, "spent-token", Pin(Pki.Pin), CancellationToken.None);

        var error = (await act.Should().ThrowAsync<EnrollmentException>()).Which;
        error.Failure.Should().Be(EnrollmentFailure.Refused);
        error.Message.Should().Contain("The enrollment token is not valid.");
        File.Exists(IdentityFiles.For(_config).KeyPath).Should().BeFalse();
    }

    [Test]
    public async Task EnrollAsync_AlreadyEnrolled_RefusesBeforeDialling()
    {
        Pki.WriteIdentity(_config.IdentityDirectory, _config.Name);

        var act = () => Enroller().EnrollAsync(_config, "good-token", Pin(Pki.Pin), CancellationToken.None);

        (await act.Should().ThrowAsync<EnrollmentException>()).Which.Failure.Should().Be(EnrollmentFailure.AlreadyEnrolled);
        Coordinator.EnrollRequests.Should().BeEmpty();
    }

    [Test]
    public void PinnedCaValidator_ChainCarriesAnotherCa_RefusesTheHandshake()
    {
        using var otherCa = new TestPki("Other CA");
        var validator = new PinnedCaValidator(Pin(Pki.Pin), Pki.Ca, Coordinator.Address);
        using var chain = ChainPresenting(otherCa.Ca);

        var accepted = validator.Validate(this, otherCa.ServerCertificate, chain, SslPolicyErrors.RemoteCertificateChainErrors);

        accepted.Should().BeFalse("the token must not be sent to a server whose chain shows another CA");
        validator.Rejection.Should().Contain(Pki.Pin).And.Contain(otherCa.Pin);
    }

    [Test]
    public void PinnedCaValidator_ChainCarriesThePinnedCa_AcceptsTheHandshake()
    {
        var validator = new PinnedCaValidator(Pin(Pki.Pin), Pki.Ca, Coordinator.Address);
        using var chain = ChainPresenting(Pki.Ca);

        var accepted = validator.Validate(this, Pki.ServerCertificate, chain, SslPolicyErrors.RemoteCertificateChainErrors);

        accepted.Should().BeTrue();
        validator.HandshakeCa!.RawData.Should().Equal(Pki.Ca.RawData);
    }

    [Test]
    public void PinnedCaValidator_PinnedCaPresentedButServerCertificateForeign_RefusesTheHandshake()
    {
        using var otherCa = new TestPki("Other CA");
        var validator = new PinnedCaValidator(Pin(Pki.Pin), Pki.Ca, Coordinator.Address);
        using var chain = ChainPresenting(Pki.Ca);

        validator.Validate(this, otherCa.ServerCertificate, chain, SslPolicyErrors.RemoteCertificateChainErrors).Should().BeFalse();
        validator.Rejection.Should().Contain("does not chain to the pinned CA");
    }

    [Test]
    public void CaPin_TryParse_AcceptsPrefixCaseAndColonsRejectsGarbage()
    {
        var hex = Pki.Pin;
        var colons = string.Join(':', Enumerable.Range(0, 32).Select(i => hex.Substring(i * 2, 2).ToUpperInvariant()));

        CaPin.TryParse("sha256:" + hex.ToUpperInvariant(), out var a, out _).Should().BeTrue();
        CaPin.TryParse(colons, out var b, out _).Should().BeTrue();
        CaPin.TryParse("abc", out _, out var error).Should().BeFalse();
        a!.Hex.Should().Be(hex);
        b!.Hex.Should().Be(hex);
        error.Should().Contain("64 hexadecimal");
    }

    private static NodeEnroller Enroller() => new(NullLogger<NodeEnroller>.Instance) { Timeout = TimeSpan.FromSeconds(10) };

    private static CaPin Pin(string hex)
    {
        CaPin.TryParse(hex, out var pin, out _).Should().BeTrue();
        return pin!;
    }

    /// <summary>A chain as SslStream hands it to the callback when the server sent <paramref name="sent"/> with its certificate.</summary>
    private static X509Chain ChainPresenting(X509Certificate2 sent)
    {
        var chain = new X509Chain();
        chain.ChainPolicy.ExtraStore.Add(X509CertificateLoader.LoadCertificate(sent.RawData));
        return chain;
    }

    private static bool ContainsSubsequence(byte[] haystack, byte[] needle) =>
        haystack.AsSpan().IndexOf(needle) >= 0;
}
