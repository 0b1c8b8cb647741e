namespace Partages.Coordinator.Pki;

internal static partial class PkiLog
{
    [LoggerMessage(100, LogLevel.Information, "Coordinator CA ready (created now: {Created}); CA pin sha256 {Pin}.")]
    public static partial void CaReady(ILogger logger, string pin, bool created);

    [LoggerMessage(101, LogLevel.Information, "Issued a new TLS server certificate, valid until {NotAfter:u}.")]
    public static partial void ServerCertificateIssued(ILogger logger, DateTime notAfter);

    [LoggerMessage(102, LogLevel.Warning, "TLS handshake refused: client certificate {Subject} (issuer {Issuer}, sha256 {Thumbprint}) does not chain to the coordinator's CA, is expired, or lacks clientAuth.")]
    public static partial void ClientCertificateRefused(ILogger logger, string subject, string issuer, string thumbprint);
}
