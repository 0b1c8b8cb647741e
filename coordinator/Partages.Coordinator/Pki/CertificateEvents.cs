using System.Globalization;

namespace Partages.Coordinator.Pki;

/// <summary>The rows of the coordinator's certificate audit (<see cref="CertificateEventEntity"/>), one factory per kind.</summary>
public static class CertificateEvents
{
    public const string EnrolledKind = "enrolled";
    public const string RenewedKind = "renewed";
    public const string RenewalRefusedKind = "renewal-refused";
    public const string CaAddedKind = "ca-added";
    public const string CaIssuingKind = "ca-issuing";
    public const string CaRetiredKind = "ca-retired";

    public static CertificateEventEntity Enrolled(string node, string sha256, DateTimeOffset notAfter, bool replaced, DateTimeOffset at) => new()
    {
        NodeName = node,
        Kind = EnrolledKind,
        CertificateSha256 = sha256,
        Detail = Invariant($"valid until {notAfter:u}{(replaced ? "; replaces every earlier certificate of the node" : "")}"),
        At = at,
    };

    public static CertificateEventEntity Renewed(string node, string sha256, DateTimeOffset notAfter, string replacedSha256, DateTimeOffset replacedNotAfter, string issuerSha256, DateTimeOffset at) => new()
    {
        NodeName = node,
        Kind = RenewedKind,
        CertificateSha256 = sha256,
        Detail = Invariant($"valid until {notAfter:u}, issued by CA {issuerSha256}; the certificate it renewed with ({replacedSha256}) stays accepted until {replacedNotAfter:u}"),
        At = at,
    };

    public static CertificateEventEntity RenewalRefused(string node, string callerSha256, string why, DateTimeOffset at) => new()
    {
        NodeName = node,
        Kind = RenewalRefusedKind,
        CertificateSha256 = callerSha256,
        Detail = why,
        At = at,
    };

    public static CertificateEventEntity Ca(string kind, string caSha256, string detail, DateTimeOffset at) => new()
    {
        Kind = kind,
        CertificateSha256 = caSha256,
        Detail = detail,
        At = at,
    };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
