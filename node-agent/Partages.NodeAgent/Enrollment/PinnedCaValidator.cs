using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Partages.Trust;

namespace Partages.NodeAgent.Enrollment;

/// <summary>
/// The TLS check used once, at enrollment, before the node knows the coordinator's CA.
/// <list type="bullet">
/// <item>If the server's TLS chain carries CA certificates, one of them must have the pinned SHA-256 and the server
/// certificate must chain to it; otherwise the handshake fails and the token is never sent.</item>
/// <item>A server that sends only its own certificate (what Kestrel does: .NET never sends a self-signed root) must
/// hold a certificate issued by the CA fetched and pinned beforehand (<see cref="CaDiscovery"/>); otherwise the
/// handshake fails and the token is never sent.</item>
/// </list>
/// </summary>
internal sealed class PinnedCaValidator(CaPin pin, X509Certificate2 discoveredCa, Uri coordinator)
{
    /// <summary>The pinned CA, when the server presented it in the handshake and its certificate chained to it.</summary>
    public X509Certificate2? HandshakeCa { get; private set; }

    /// <summary>The server certificate of the last accepted handshake.</summary>
    public X509Certificate2? ServerCertificate { get; private set; }

    /// <summary>Why the last handshake was refused, in words for the operator.</summary>
    public string? Rejection { get; private set; }

    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return Reject("the coordinator presented no certificate");
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return Reject("the coordinator's certificate is not valid for the host name in coordinator.url");
        }

        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        var authorities = TrustedChain.Presented(chain)
            .Where(c => !string.Equals(c.Thumbprint, leaf.Thumbprint, StringComparison.Ordinal))
            .ToList();
        if (authorities.Count > 0)
        {
            var pinned = authorities.FirstOrDefault(pin.Matches);
            if (pinned is null)
            {
                return Reject(
                    $"no certificate in the coordinator's TLS chain has the pinned SHA-256 {pin}; it presented " +
                    string.Join(", ", authorities.Select(c => $"'{c.Subject}' (sha256 {CaPin.Of(c)})")) +
                    ". Check the --ca-sha256 value printed with the enrollment token, and that coordinator.url points at the coordinator");
            }

            if (!TrustedChain.Builds(leaf, pinned, authorities, at: null, out var problem))
            {
                return Reject($"the coordinator's certificate does not chain to the pinned CA ({problem})");
            }

            HandshakeCa = X509CertificateLoader.LoadCertificate(pinned.RawData);
        }
        else if (TrustedChain.Builds(leaf, discoveredCa, [], at: null, out var problem))
        {
            HandshakeCa = X509CertificateLoader.LoadCertificate(discoveredCa.RawData);
        }
        else
        {
            return Reject(string.Equals(leaf.Issuer, discoveredCa.Subject, StringComparison.Ordinal)
                ? $"the coordinator's certificate was not issued by the pinned CA ({problem})"
                : Partages.Trust.Network.TlsInspection.Explain(leaf, discoveredCa, Partages.Trust.Network.TlsInspection.Endpoint(coordinator)));
        }

        ServerCertificate = X509CertificateLoader.LoadCertificate(leaf.RawData);
        Rejection = null;
        return true;
    }

    /// <summary>
    /// After Enroll answered: <paramref name="returnedCa"/> must be the pinned CA, the one seen in the handshake
    /// (if any), and the issuer of the server certificate this node talked to.
    /// </summary>
    public bool ConfirmAfterResponse(X509Certificate2 returnedCa, out string problem)
    {
        ArgumentNullException.ThrowIfNull(returnedCa);
        if (!pin.Matches(returnedCa))
        {
            problem = $"the coordinator's CA certificate has SHA-256 {CaPin.Of(returnedCa)}, not the pinned {pin}";
            return false;
        }

        if (HandshakeCa is not null && !HandshakeCa.RawData.AsSpan().SequenceEqual(returnedCa.RawData))
        {
            problem = "the CA certificate the coordinator returned differs from the one in its TLS chain";
            return false;
        }

        if (ServerCertificate is null)
        {
            problem = "no TLS handshake with the coordinator was recorded";
            return false;
        }

        if (!TrustedChain.Builds(ServerCertificate, returnedCa, [], at: null, out var chainProblem))
        {
            problem = $"the server this node talked to does not hold a certificate issued by the pinned CA ({chainProblem})";
            return false;
        }

        problem = "";
        return true;
    }

    private bool Reject(string reason)
    {
        Rejection = reason;
        return false;
    }
}
