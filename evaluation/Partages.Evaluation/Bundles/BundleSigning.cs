using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Partages.Evaluation.Bundles;

/// <summary>
/// A detached signature over a model bundle: who signed (<see cref="KeyId"/>), which bundle they meant
/// (<see cref="BundleSha256"/>, informative: a node checks the signature against the bundle it actually downloaded)
/// and the ECDSA signature itself, IEEE P1363 (r ‖ s, 64 bytes for P-256). Mirrors the wire's BundleSignature.
/// </summary>
public sealed record DetachedSignature(string Algorithm, string KeyId, string BundleSha256, byte[] Signature)
{
    /// <summary>Base64 of <see cref="Signature"/>, as in the signature file.</summary>
    public string SignatureBase64 => Convert.ToBase64String(Signature);

    /// <summary>The signature file's text (<c>&lt;bundle&gt;.sig.json</c>): <c>{algorithm, key_id, bundle_sha256, signature}</c>.</summary>
    public string ToJson() =>
        JsonSerializer.Serialize(new SignatureFile(Algorithm, KeyId, BundleSha256, SignatureBase64), BundleSigning.FileJson);

    /// <exception cref="InvalidDataException">Not a signature file: every missing or malformed field is named.</exception>
    public static DetachedSignature FromJson(string json)
    {
        SignatureFile? file;
        try
        {
            file = JsonSerializer.Deserialize<SignatureFile>(json, BundleSigning.FileJson);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"Not a bundle signature file: {ex.Message}", ex);
        }

        if (file is null)
        {
            throw new InvalidDataException("Not a bundle signature file: empty.");
        }

        var errors = new List<string>();
        if (file.Algorithm != BundleSigning.Algorithm)
        {
            errors.Add($"algorithm must be '{BundleSigning.Algorithm}', not '{file.Algorithm}'");
        }

        if (!ContentHash.IsWellFormed(file.KeyId))
        {
            errors.Add("key_id must be 64 lowercase hex digits");
        }

        if (!ContentHash.IsWellFormed(file.BundleSha256))
        {
            errors.Add("bundle_sha256 must be 64 lowercase hex digits");
        }

        var signature = Base64OrNull(file.Signature);
        if (signature is null)
        {
            errors.Add("signature must be base64");
        }

        if (errors.Count > 0)
        {
            throw new InvalidDataException("Invalid bundle signature file: " + string.Join("; ", errors) + ".");
        }

        return new DetachedSignature(file.Algorithm!, file.KeyId!, file.BundleSha256!, signature!);
    }

    private static byte[]? Base64OrNull(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private sealed record SignatureFile(string? Algorithm, string? KeyId, string? BundleSha256, string? Signature);
}

/// <summary>
/// Signing and checking model bundles with .NET's own ECDSA P-256. What is signed is not the zip but the UTF-8
/// bytes of <c>"partages-bundle-v1:" + sha256hex(bundle)</c>: the domain prefix keeps a bundle signature from being
/// mistaken for a signature over anything else the same key might sign, and signing the hash lets a node check a
/// large bundle it has already hashed while downloading. A key is named by its key id: the SHA-256 (lowercase hex)
/// of its SubjectPublicKeyInfo DER bytes, so the id cannot be chosen apart from the key.
/// </summary>
public static class BundleSigning
{
    public const string Algorithm = "ecdsa-p256-sha256";

    public const string MessagePrefix = "partages-bundle-v1:";

    /// <summary>The signature file's name next to a bundle: <c>amr-classifier.zip</c> → <c>amr-classifier.zip.sig.json</c>.</summary>
    public const string FileSuffix = ".sig.json";

    internal static JsonSerializerOptions FileJson { get; } = new(JsonSerializerDefaults.General)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>The exact bytes signed for a bundle of this SHA-256.</summary>
    public static byte[] SignedMessage(string bundleSha256)
    {
        RequireHash(bundleSha256);
        return Encoding.UTF8.GetBytes(MessagePrefix + bundleSha256);
    }

    /// <exception cref="ArgumentException">The hash is not 64 lowercase hex digits, or the key is not a P-256 private key.</exception>
    public static DetachedSignature Sign(string bundleSha256, ECDsa privateKey)
    {
        ArgumentNullException.ThrowIfNull(privateKey);
        RequireP256(privateKey);
        var signature = privateKey.SignData(
            SignedMessage(bundleSha256),
            HashAlgorithmName.SHA256,
            DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return new DetachedSignature(Algorithm, KeyIdOf(privateKey), bundleSha256, signature);
    }

    /// <summary>
    /// True only if <paramref name="signature"/> is an <see cref="Algorithm"/> signature by the key in
    /// <paramref name="publicKeyPem"/> (key id included) over the bundle whose SHA-256 is <paramref name="bundleSha256"/>.
    /// Any malformed input is simply not a valid signature.
    /// </summary>
    public static bool Verify(string bundleSha256, DetachedSignature signature, string publicKeyPem)
    {
        ArgumentNullException.ThrowIfNull(signature);
        if (!ContentHash.IsWellFormed(bundleSha256) || signature.Algorithm != Algorithm || signature.Signature.Length != 64)
        {
            return false;
        }

        using var key = TryImportPublicKey(publicKeyPem);
        if (key is null || !string.Equals(KeyIdOf(key), signature.KeyId, StringComparison.Ordinal))
        {
            return false;
        }

        return key.VerifyData(
            SignedMessage(bundleSha256),
            signature.Signature,
            HashAlgorithmName.SHA256,
            DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    /// <summary>SHA-256 (lowercase hex) of the key's SubjectPublicKeyInfo DER bytes.</summary>
    public static string KeyIdOf(ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return ContentHash.Of(key.ExportSubjectPublicKeyInfo());
    }

    /// <summary>The key id of a public key given as PEM.</summary>
    /// <exception cref="ArgumentException">Not an ECDSA P-256 public key in PEM.</exception>
    public static string KeyIdOfPem(string publicKeyPem)
    {
        using var key = TryImportPublicKey(publicKeyPem)
            ?? throw new ArgumentException("Not an ECDSA P-256 public key (SubjectPublicKeyInfo PEM).", nameof(publicKeyPem));
        return KeyIdOf(key);
    }

    /// <summary>Imports a P-256 public key from PEM, or null if the text is not one (wrong curve, RSA, garbage).</summary>
    public static ECDsa? TryImportPublicKey(string? publicKeyPem)
    {
        if (string.IsNullOrWhiteSpace(publicKeyPem))
        {
            return null;
        }

        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(publicKeyPem);
            if (key.KeySize == 256 && IsP256(key.ExportParameters(includePrivateParameters: false)))
            {
                return key;
            }
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            // Falls through: not a usable key.
        }

        key.Dispose();
        return null;
    }

    /// <summary>A new P-256 key pair for an evaluator (the <c>keygen</c> command).</summary>
    public static ECDsa CreateKey() => ECDsa.Create(ECCurve.NamedCurves.nistP256);

    private static void RequireHash(string bundleSha256)
    {
        if (!ContentHash.IsWellFormed(bundleSha256))
        {
            throw new ArgumentException("A bundle SHA-256 is 64 lowercase hex digits.", nameof(bundleSha256));
        }
    }

    private static void RequireP256(ECDsa key)
    {
        if (key.KeySize != 256 || !IsP256(key.ExportParameters(includePrivateParameters: false)))
        {
            throw new ArgumentException("Bundles are signed with ECDSA P-256 keys only.", nameof(key));
        }
    }

    private static bool IsP256(ECParameters parameters) =>
        parameters.Curve.IsNamed
        && (parameters.Curve.Oid.Value == ECCurve.NamedCurves.nistP256.Oid.Value
            || string.Equals(parameters.Curve.Oid.FriendlyName, ECCurve.NamedCurves.nistP256.Oid.FriendlyName, StringComparison.OrdinalIgnoreCase));
}
