using Partages.Evaluation;
using Partages.Evaluation.Bundles;

namespace Partages.Trust;

/// <summary>
/// Which entry of a policy trusts a model bundle: its SHA-256 among the pinned bundles, or the key that signed it
/// among the trusted signers. Written once, so that what the operator is shown before approving a run and what the
/// node decides after the download never disagree.
/// </summary>
public static class BundleSigners
{
    /// <summary>
    /// True when <paramref name="pinnedBundles"/> holds <paramref name="bundleSha256"/>. Hex digits in either case and
    /// surrounding spaces are accepted in the policy: they name the same hash.
    /// </summary>
    public static bool IsPinned(string bundleSha256, IEnumerable<string> pinnedBundles)
    {
        ArgumentNullException.ThrowIfNull(pinnedBundles);
        var wanted = ContentHashText(bundleSha256);
        return ContentHash.IsWellFormed(wanted)
            && pinnedBundles.Any(p => string.Equals(ContentHashText(p), wanted, StringComparison.Ordinal));
    }

    /// <summary>
    /// The signer whose public key has the id <paramref name="keyId"/> (compared in lowercase), or null. A key that is
    /// not an ECDSA P-256 public key (the one kind <see cref="BundleSigning"/> verifies) matches nothing.
    /// </summary>
    public static TSigner? Find<TSigner>(IEnumerable<TSigner> signers, Func<TSigner, string> publicKeyPem, string? keyId)
        where TSigner : class
    {
        ArgumentNullException.ThrowIfNull(signers);
        ArgumentNullException.ThrowIfNull(publicKeyPem);
        if (string.IsNullOrEmpty(keyId))
        {
            return null;
        }

        var wanted = keyId.ToLowerInvariant();
        return signers.FirstOrDefault(s => string.Equals(KeyIdOf(publicKeyPem(s)), wanted, StringComparison.Ordinal));
    }

    /// <summary>The key id signatures carry (SHA-256 of the SubjectPublicKeyInfo), or null for a text that is not an ECDSA P-256 public key.</summary>
    public static string? KeyIdOf(string? publicKeyPem)
    {
        using var key = BundleSigning.TryImportPublicKey(publicKeyPem);
        return key is null ? null : BundleSigning.KeyIdOf(key);
    }

    private static string? ContentHashText(string? text) => text?.Trim().ToLowerInvariant();
}
