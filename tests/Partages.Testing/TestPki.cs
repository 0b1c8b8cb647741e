using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Partages.Testing;

/// <summary>
/// A self-made CA with a loopback server certificate, like the coordinator's <c>pki/</c>, made fresh per fixture; and, as
/// static helpers, what a node does on its side of enrollment (key + CSR) and how it trusts the coordinator afterwards.
/// </summary>
public sealed class TestPki : IDisposable
{
    private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    public TestPki(string name = "Test coordinator CA")
    {
        using var caKey = NewKey();
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

    public string CaPem => Ca.ExportCertificatePem();

    /// <summary>A fresh ECDSA P-256 key and its PKCS#10 request (PEM) with CN = the node name.</summary>
    public static (ECDsa Key, string CsrPem) CreateCsr(string commonName)
    {
        var key = NewKey();
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        return (key, request.CreateSigningRequestPem());
    }

    /// <summary>Joins an issued PEM certificate with its key, through PKCS#12, as TLS client code expects.</summary>
    public static X509Certificate2 WithKey(string certificatePem, ECDsa key)
    {
        using var certificate = X509Certificate2.CreateFromPem(certificatePem);
        return WithKey(certificate, key);
    }

    /// <summary>A client certificate (clientAuth, CN = name) signed by a CA the coordinator has never seen.</summary>
    public static X509Certificate2 ForeignClientCertificate(string commonName)
    {
        using var foreign = new TestPki("Somebody else's CA");
        return foreign.IssueClientCertificate(commonName);
    }

    /// <summary>Trusts the server only if its certificate chains to the given CA (what a node does after enrollment).</summary>
    public static RemoteCertificateValidationCallback TrustOnly(X509Certificate2 ca) => (_, certificate, _, errors) =>
    {
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
        {
            return false;
        }

        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return ChainsTo(ca, leaf);
    };

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

    /// <summary>A client certificate (clientAuth, CN = name) issued by this CA, with its private key.</summary>
    public X509Certificate2 IssueClientCertificate(string commonName, TimeSpan? lifetime = null)
    {
        var (key, csrPem) = CreateCsr(commonName);
        using (key)
        {
            using var issued = SignCsr(csrPem, lifetime);
            return WithKey(issued, key);
        }
    }

    public bool IssuedClientCertificate(X509Certificate2 certificate) => ChainsTo(Ca, certificate);

    public void Dispose()
    {
        ServerCertificate.Dispose();
        Ca.Dispose();
    }

    private X509Certificate2 IssueServerCertificate()
    {
        using var key = NewKey();
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
        return WithKey(issued, key);
    }

    /// <summary>Through PKCS#12, as TLS code expects: a key attached by <c>CopyWithPrivateKey</c> alone is ephemeral on some platforms.</summary>
    private static X509Certificate2 WithKey(X509Certificate2 certificate, ECDsa key)
    {
        using var withKey = certificate.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    private static bool ChainsTo(X509Certificate2 ca, X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    private static ECDsa NewKey() => ECDsa.Create(ECCurve.NamedCurves.nistP256);

    private static byte[] RandomSerial() => RandomNumberGenerator.GetBytes(16);
}
