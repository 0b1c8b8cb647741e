using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Partages.NodeAgent.Enrollment;

/// <summary>The node's key pair and its PKCS#10 request. Only the request (public key + name) ever leaves the node.</summary>
public static class SigningRequest
{
    private const string ClientAuthenticationOid = "1.3.6.1.5.5.7.3.2";

    /// <summary>A fresh ECDSA P-256 key, generated locally.</summary>
    public static ECDsa CreateKey() => ECDsa.Create(ECCurve.NamedCurves.nistP256);

    /// <summary>A PEM CSR with CN = <paramref name="commonName"/>, asking for a client-authentication certificate.</summary>
    public static string CreatePem(ECDsa key, string commonName)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentException.ThrowIfNullOrEmpty(commonName);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(commonName);
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ClientAuthenticationOid)], critical: false));
        return request.CreateSigningRequestPem();
    }
}
