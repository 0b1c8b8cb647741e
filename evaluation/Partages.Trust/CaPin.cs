using System.Security.Cryptography.X509Certificates;
using Partages.Evaluation;

namespace Partages.Trust;

/// <summary>
/// The CA pin: SHA-256 of the coordinator CA certificate's DER bytes, lowercase hex (docs/architecture.md).
/// Accepted with an optional <c>sha256:</c> prefix, in either case, with or without ':' separators.
/// </summary>
public sealed record CaPin
{
    private CaPin(string hex) => Hex = hex;

    public string Hex { get; }

    public static bool TryParse(string? text, out CaPin? pin, out string error)
    {
        pin = Normalize(text) is { } hex ? new CaPin(hex) : null;
        error = pin is null
            ? "the CA pin must be 64 hexadecimal characters (the SHA-256 of the CA certificate, as printed by the coordinator's enrollment-token command)"
            : "";
        return pin is not null;
    }

    /// <summary>The pin in its canonical form (64 lowercase hex digits), or null if <paramref name="text"/> is not one.</summary>
    public static string? Normalize(string? text) => Sha256Text.Normalize(text);

    public static string Of(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return ContentHash.Of(certificate.RawData);
    }

    public bool Matches(X509Certificate2 certificate) => string.Equals(Of(certificate), Hex, StringComparison.Ordinal);

    public override string ToString() => Hex;
}
