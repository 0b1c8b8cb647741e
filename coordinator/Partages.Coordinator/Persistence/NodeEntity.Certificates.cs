namespace Partages.Coordinator.Persistence;

/// <summary>
/// The node's two certificate changes, enrollment and renewal, kept on the entity so that both set the same fields
/// (the current certificate, its issuer, the one still accepted beside it) the same way.
/// </summary>
public sealed partial class NodeEntity
{
    /// <summary>
    /// A new enrollment is a new identity: the node is no longer revoked, and the certificate an earlier renewal
    /// replaced is no longer accepted.
    /// </summary>
    public void Enroll(string sha256, string pem, DateTimeOffset notAfter, string issuerSha256, DateTimeOffset at)
    {
        Hold(sha256, pem, notAfter, issuerSha256);
        EnrolledAt = at;
        Revoked = false;
        RevokedAt = null;
        PreviousCertificateSha256 = null;
        PreviousCertificatePem = null;
        PreviousCertificateNotAfter = null;
    }

    /// <summary>A renewal: the new certificate is current, and the one the node renewed with stays accepted until it expires.</summary>
    public void Renew(string sha256, string pem, DateTimeOffset notAfter, string issuerSha256, DateTimeOffset at, string heldSha256, string heldPem, DateTimeOffset heldNotAfter)
    {
        PreviousCertificateSha256 = heldSha256;
        PreviousCertificatePem = heldPem;
        PreviousCertificateNotAfter = heldNotAfter;
        Hold(sha256, pem, notAfter, issuerSha256);
        CertificateRenewedAt = at;
    }

    private void Hold(string sha256, string pem, DateTimeOffset notAfter, string issuerSha256)
    {
        CertificateSha256 = sha256;
        CertificatePem = pem;
        CertificateNotAfter = notAfter;
        CertificateIssuerSha256 = issuerSha256;
    }
}
