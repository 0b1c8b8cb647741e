using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Partages.Coordinator.Pki;

/// <summary>What Kestrel needs for the one TLS port: the server certificate and the client-certificate check.</summary>
public sealed class ServerTls(CertificateAuthority authority, X509Certificate2 serverCertificate, TimeProvider time, ILogger<ServerTls> logger) : IDisposable
{
    public X509Certificate2 ServerCertificate { get; } = serverCertificate;

    /// <summary>
    /// Kestrel's ClientCertificateValidation: a certificate is accepted only if it chains to the coordinator's CA
    /// (the system trust store plays no part), so a foreign-CA client fails the handshake. No certificate at all is
    /// allowed here (enrollment, evaluators); the node plane refuses such calls itself.
    /// </summary>
    public bool ValidateClientCertificate(X509Certificate2 certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (authority.IsValidClientCertificate(certificate, time.GetUtcNow()))
        {
            return true;
        }

        PkiLog.ClientCertificateRefused(logger, certificate.Subject, certificate.Issuer, CertificateAuthority.Thumbprint(certificate));
        return false;
    }

    public void Dispose() => ServerCertificate.Dispose();
}
