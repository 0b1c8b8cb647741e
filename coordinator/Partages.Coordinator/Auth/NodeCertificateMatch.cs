namespace Partages.Coordinator.Auth;

/// <summary>Whether a certificate (by SHA-256) is one the node holds: its current one, or the one its last renewal replaced.</summary>
public static class NodeCertificateMatch
{
    public static bool Holds(NodeEntity node, string certificateSha256)
    {
        ArgumentNullException.ThrowIfNull(node);
        return string.Equals(node.CertificateSha256, certificateSha256, StringComparison.Ordinal)
            || string.Equals(node.PreviousCertificateSha256, certificateSha256, StringComparison.Ordinal);
    }
}
