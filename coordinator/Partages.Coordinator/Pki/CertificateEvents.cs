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

    public static CertificateEventEntity Enrolled(string node, string sha256, DateTimeOffset notAfter, bool replaced, DateTimeOffset at) =>
        Row(node, EnrolledKind, sha256, Invariant($"valid until {notAfter:u}{(replaced ? "; replaces every earlier certificate of the node" : "")}"), at);

    public static CertificateEventEntity Renewed(string node, string sha256, DateTimeOffset notAfter, string replacedSha256, DateTimeOffset replacedNotAfter, string issuerSha256, DateTimeOffset at) =>
        Row(node, RenewedKind, sha256, Invariant($"valid until {notAfter:u}, issued by CA {issuerSha256}; the certificate it renewed with ({replacedSha256}) stays accepted until {replacedNotAfter:u}"), at);

    public static CertificateEventEntity RenewalRefused(string node, string callerSha256, string why, DateTimeOffset at) =>
        Row(node, RenewalRefusedKind, callerSha256, why, at);

    /// <summary>A step of the CA rotation, which concerns every node: no node name.</summary>
    public static CertificateEventEntity Ca(string kind, string caSha256, string detail, DateTimeOffset at) =>
        Row("", kind, caSha256, detail, at);

    private static CertificateEventEntity Row(string node, string kind, string sha256, string detail, DateTimeOffset at) => new()
    {
        NodeName = node,
        Kind = kind,
        CertificateSha256 = sha256,
        Detail = detail,
        At = at,
    };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
