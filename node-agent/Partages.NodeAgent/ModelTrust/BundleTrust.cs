using Partages.Contracts.V1;
using Partages.Evaluation;
using Partages.Evaluation.Bundles;
using Partages.NodeAgent.Policy;

namespace Partages.NodeAgent.ModelTrust;

/// <summary>Why a bundle may run: pinned by the policy, or signed by one of its trusted signers.</summary>
/// <param name="SignerName">The trusted signer's name from the policy; null for a bundle trusted by its pin alone.</param>
/// <param name="KeyId">The signer's key id; null for a pinned bundle.</param>
public sealed record TrustedBundle(string BundleSha256, bool Pinned, string? SignerName, string? KeyId)
{
    /// <summary>For the audit log and the approval file: the signer's name, or "pinned".</summary>
    public string Describe() => SignerName is null ? "pinned by the node policy" : $"{SignerName} (key {KeyId})";
}

/// <summary>A trust decision: the bundle may run (<see cref="Trusted"/>), or the reason it may not.</summary>
public sealed record BundleTrustDecision(TrustedBundle? Trusted, string? RefusalReason);

/// <summary>
/// The node's rule for which model bundles may run, decided from the bundle's SHA-256 and the evaluator's detached
/// signature alone (both known from the offer; the SHA-256 is checked again on the downloaded file before this is
/// asked). A bundle runs if the policy pins its SHA-256, or if a trusted signer's key made a valid signature over
/// this very hash. The reasons name what is wrong — unsigned, unknown key (by id), or a signature that does not
/// match this bundle — and never more than that.
/// </summary>
public static class BundleTrust
{
    public static BundleTrustDecision Decide(string bundleSha256, BundleSignature? signature, ModelPolicy models)
    {
        ArgumentNullException.ThrowIfNull(models);
        if (!ContentHash.IsWellFormed(bundleSha256))
        {
            return Refuse("the model bundle has no valid SHA-256");
        }

        if (models.PinnedBundles.Any(p => string.Equals(p.Trim(), bundleSha256, StringComparison.OrdinalIgnoreCase)))
        {
            return new BundleTrustDecision(new TrustedBundle(bundleSha256, Pinned: true, null, null), null);
        }

        if (signature is null || (signature.Signature.IsEmpty && signature.KeyId.Length == 0))
        {
            return Refuse($"model bundle {bundleSha256} is unsigned, and this node's policy does not pin it (models.pinned_bundles)");
        }

        if (signature.Algorithm != BundleSigning.Algorithm)
        {
            return Refuse($"model bundle {bundleSha256} is signed with '{Printable(signature.Algorithm)}'; this node accepts '{BundleSigning.Algorithm}' only");
        }

        var keyId = signature.KeyId.ToLowerInvariant();
        var signer = models.TrustedSigners.FirstOrDefault(s => string.Equals(KeyIdOrEmpty(s.PublicKeyPem), keyId, StringComparison.Ordinal));
        if (signer is null)
        {
            return Refuse($"model bundle {bundleSha256} is signed by an unknown key {Printable(keyId)}, which is not among this node's trusted signers (models.trusted_signers)");
        }

        var detached = new DetachedSignature(signature.Algorithm, keyId, bundleSha256, signature.Signature.ToByteArray());
        if (!BundleSigning.Verify(bundleSha256, detached, signer.PublicKeyPem))
        {
            return Refuse($"the signature by '{signer.Name}' (key {keyId}) does not match model bundle {bundleSha256}: the bundle was changed after signing, or the signature is corrupt");
        }

        return new BundleTrustDecision(new TrustedBundle(bundleSha256, Pinned: false, signer.Name, keyId), null);
    }

    /// <summary>A policy key that cannot be read trusts nothing; the policy loader reports it at start.</summary>
    private static string KeyIdOrEmpty(string publicKeyPem)
    {
        using var key = BundleSigning.TryImportPublicKey(publicKeyPem);
        return key is null ? "" : BundleSigning.KeyIdOf(key);
    }

    private static BundleTrustDecision Refuse(string reason) => new(null, reason);

    /// <summary>Offer fields are the coordinator's: keep them short and printable in a reason.</summary>
    private static string Printable(string text)
    {
        var clean = new string([.. text.Take(80).Select(c => char.IsControl(c) ? '?' : c)]);
        return text.Length > 80 ? clean + "…" : clean;
    }
}
