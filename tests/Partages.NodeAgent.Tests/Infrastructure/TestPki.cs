using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Partages.NodeAgent.Enrollment;

namespace Partages.NodeAgent.Tests.Infrastructure;

/// <summary>A self-made CA with a loopback server certificate, like the coordinator's <c>pki/</c>, made fresh per test fixture.</summary>
public sealed class TestPki : IDisposable
{
    private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    public TestPki(string name = "Test coordinator CA")
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        Ca = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(5));
        ServerCertificate = IssueServerCertificate();
    }

    /// <summary>The CA with its private key.</summary>
    public X509Certificate2 Ca { get; }

    /// <summary>SAN 127.0.0.1 / localhost / ::1, serverAuth, with its private key.</summary>
    public X509Certificate2 ServerCertificate { get; }

    public string Pin => CaPin.Of(Ca);

    public string CaPem => Ca.ExportCertificatePem();

    /// <summary>Signs a CSR as the coordinator does: CN from the CSR, clientAuth EKU.</summary>
    public X509Certificate2 SignCsr(string csrPem, TimeSpan? lifetime = null)
    {
        var csr = CertificateRequest.LoadSigningRequestPem(csrPem, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default);
        var request = new CertificateRequest(csr.SubjectName, csr.PublicKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ClientAuthOid)], false));
        var now = DateTimeOffset.UtcNow;
        return request.Create(Ca, now.AddMinutes(-5), now.Add(lifetime ?? TimeSpan.FromDays(365)), RandomSerial());
    }

    /// <summary>Writes a complete, valid identity for <paramref name="nodeName"/> as <c>enroll</c> would.</summary>
    public void WriteIdentity(string identityDirectory, string nodeName, TimeSpan? lifetime = null)
    {
        Directory.CreateDirectory(identityDirectory);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = SignCsr(SigningRequest.CreatePem(key, nodeName), lifetime);
        var files = new IdentityFiles(identityDirectory);
        File.WriteAllText(files.KeyPath, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(files.CertificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(files.CaCertificatePath, CaPem);
    }

    public bool IssuedClientCertificate(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    public void Dispose()
    {
        ServerCertificate.Dispose();
        Ca.Dispose();
    }

    private X509Certificate2 IssueServerCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        san.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ServerAuthOid)], false));
        var now = DateTimeOffset.UtcNow;
        using var issued = request.Create(Ca, now.AddDays(-1), now.AddYears(1), RandomSerial());
        using var withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    private static byte[] RandomSerial() => RandomNumberGenerator.GetBytes(16);
}
