using Partages.Evaluation;

namespace Partages.Trust;

/// <summary>SHA-256 values as people paste them (a CA pin, a pinned bundle, a snapshot fingerprint).</summary>
public static class Sha256Text
{
    /// <summary>
    /// The canonical form (64 lowercase hex digits) of a SHA-256 given in either case, with an optional
    /// <c>sha256:</c> prefix and ':' separators; null if <paramref name="text"/> is not one.
    /// </summary>
    public static string? Normalize(string? text)
    {
        var normalized = (text ?? "").Trim();
        if (normalized.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase))
        {
            normalized = normalized["sha256:".Length..];
        }

        normalized = normalized.Replace(":", "", StringComparison.Ordinal).ToLowerInvariant();
        return ContentHash.IsWellFormed(normalized) ? normalized : null;
    }
}
