using System.Security.Cryptography;
using Partages.Evaluation;

namespace Partages.ModelKit.Signing;

/// <summary>
/// The demo evaluator's signing key and the detached signature of the demo bundle
/// (<c>models/amr-classifier.zip.sig.json</c>). The key is derived from the asset seed, so every machine builds the
/// same demo signer and the demo nodes' policies can trust it without a key file being shipped or generated.
/// A key anyone can derive protects nothing: it signs fictional demo models and must never be trusted by a real node.
/// The bundle's bytes stay deterministic (the signature is a separate file); the signature itself is not (ECDSA
/// draws a fresh nonce), which is why it is checked and kept when still valid rather than compared to a stamp.
/// </summary>
public static class DemoSigner
{
    /// <summary>The name demo policies give this signer.</summary>
    public const string SignerName = "partages-demo-evaluator";

    /// <summary>The demo key for <paramref name="seed"/>: private scalar SHA-256("partages-demo-evaluator-key-v1:" + seed [+ counter]).</summary>
    public static ECDsa KeyFor(ulong seed)
    {
        for (var counter = 0; ; counter++)
        {
            var label = string.Create(CultureInfo.InvariantCulture, $"partages-demo-evaluator-key-v1:{seed}:{counter}");
            var scalar = SHA256.HashData(Encoding.UTF8.GetBytes(label));
            try
            {
                return ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = scalar });
            }
            catch (CryptographicException) when (counter < 16)
            {
                // A scalar at or above the curve order (probability about 2⁻³²): take the next one.
            }
        }
    }

    /// <summary>The demo signer's public key (SubjectPublicKeyInfo PEM), what a demo node policy lists under trusted_signers.</summary>
    public static string PublicKeyPemFor(ulong seed)
    {
        using var key = KeyFor(seed);
        return key.ExportSubjectPublicKeyInfoPem();
    }

    /// <summary>
    /// Makes sure <c>&lt;bundle&gt;.sig.json</c> holds a valid demo signature over the bundle as it is on disk, writing
    /// a new one (atomically) when it is missing, unreadable, or over other bytes. Returns the signature and its path.
    /// </summary>
    public static async Task<(DetachedSignature Signature, string Path)> EnsureSignedAsync(string bundlePath, ulong seed, CancellationToken cancellationToken = default)
    {
        using var key = KeyFor(seed);
        var publicKeyPem = key.ExportSubjectPublicKeyInfoPem();
        var bundleSha256 = await ContentHash.OfFileAsync(bundlePath, cancellationToken).ConfigureAwait(false);
        var path = bundlePath + BundleSigning.FileSuffix;
        if (File.Exists(path))
        {
            try
            {
                var existing = DetachedSignature.FromJson(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false));
                if (existing.BundleSha256 == bundleSha256 && BundleSigning.Verify(bundleSha256, existing, publicKeyPem))
                {
                    return (existing, path);
                }
            }
            catch (InvalidDataException)
            {
                // Rewritten below.
            }
        }

        var signature = BundleSigning.Sign(bundleSha256, key);
        var temporary = path + ".tmp-" + Guid.NewGuid().ToString("N");
        await File.WriteAllTextAsync(temporary, signature.ToJson() + "\n", cancellationToken).ConfigureAwait(false);
        File.Move(temporary, path, overwrite: true);
        return (signature, path);
    }
}
