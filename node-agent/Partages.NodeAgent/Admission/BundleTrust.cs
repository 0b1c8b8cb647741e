using Partages.Evaluation;
using Partages.Evaluation.Bundles;
using Partages.NodeAgent.Policy;
using Partages.Trust;

namespace Partages.NodeAgent.Admission;

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

        if (BundleSigners.IsPinned(bundleSha256, models.PinnedBundles))
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
        var signer = BundleSigners.Find(models.TrustedSigners, s => s.PublicKeyPem, keyId);
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

    /// <summary>
    /// What the offer says of the bundle's trust, for the person approving the run before the download: the same
    /// lookups as <see cref="Decide"/> (pin, algorithm, signer), the signature itself being checked after download.
    /// </summary>
    public static string DescribeOffered(ArtifactRef? bundle, BundleSignature? signature, ModelPolicy models)
    {
        ArgumentNullException.ThrowIfNull(models);
        if (bundle is not null && BundleSigners.IsPinned(bundle.Sha256, models.PinnedBundles))
        {
            return "pinned by SHA-256 in the policy";
        }

        if (signature is not { KeyId.Length: > 0 })
        {
            return "unsigned";
        }

        if (signature.Algorithm != BundleSigning.Algorithm)
        {
            return $"signed with '{Printable(signature.Algorithm)}', which this node does not accept";
        }

        return BundleSigners.Find(models.TrustedSigners, s => s.PublicKeyPem, signature.KeyId) is { } signer
            ? $"{signer.Name} (trusted signer; signature checked after download)"
            : $"unknown key {Printable(signature.KeyId)}";
    }

    private static BundleTrustDecision Refuse(string reason) => new(null, reason);

    /// <summary>Offer fields are the coordinator's: keep them short and printable in a reason.</summary>
    private static string Printable(string text)
    {
        var clean = new string([.. text.Take(80).Select(c => char.IsControl(c) ? '?' : c)]);
        return text.Length > 80 ? clean + "…" : clean;
    }
}
