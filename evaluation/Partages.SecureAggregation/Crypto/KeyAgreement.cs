using System.Security.Cryptography;

namespace Partages.SecureAggregation.Crypto;

/// <summary>
/// Ephemeral ECDH on P-256 (.NET has no X25519) and HKDF-SHA-256 to turn an agreement into a key bound to one
/// evaluation, one pair of nodes and one purpose, so a key can never be replayed into another evaluation or role.
/// </summary>
public static class KeyAgreement
{
    /// <summary>Bytes of a P-256 private scalar; also what the Shamir field carries.</summary>
    public const int PrivateScalarBytes = 32;

    /// <summary>A fresh ephemeral key pair.</summary>
    public static ECDiffieHellman CreateEphemeral() => ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);

    /// <summary>The private scalar d (big-endian, 32 bytes): what a node secret-shares of its masking key.</summary>
    public static byte[] ExportPrivateScalar(ECDiffieHellman key) => key.ExportParameters(includePrivateParameters: true).D!;

    /// <summary>
    /// Rebuilds a key pair from a reconstructed private scalar and checks it is the one whose public key was
    /// advertised: a wrong reconstruction (bad shares) is refused instead of producing wrong masks.
    /// </summary>
    public static ECDiffieHellman ImportPrivateScalar(ReadOnlySpan<byte> scalar, ReadOnlySpan<byte> expectedPublicKey, string owner)
    {
        ECDiffieHellman? key = null;
        try
        {
            key = ECDiffieHellman.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = scalar.ToArray() });
            if (!key.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(expectedPublicKey))
            {
                throw new SecureAggregationException(
                    RefusalCode.Malformed,
                    $"The masking key reconstructed for node '{owner}' does not match the public key it advertised: a share was wrong.");
            }
            var result = key;
            key = null;
            return result;
        }
        catch (CryptographicException ex)
        {
            throw new SecureAggregationException(RefusalCode.Malformed, $"The masking key reconstructed for node '{owner}' is not a P-256 key: {ex.Message}");
        }
        finally
        {
            key?.Dispose();
        }
    }

    /// <summary>Parses a peer's ephemeral public key (SubjectPublicKeyInfo), refusing anything but P-256.</summary>
    public static ECDiffieHellman ImportPublicKey(ReadOnlySpan<byte> subjectPublicKeyInfo, string owner)
    {
        var key = ECDiffieHellman.Create();
        try
        {
            key.ImportSubjectPublicKeyInfo(subjectPublicKeyInfo, out var read);
            var curve = key.ExportParameters(includePrivateParameters: false).Curve;
            if (read != subjectPublicKeyInfo.Length || curve.Oid?.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
            {
                throw new CryptographicException("not a P-256 SubjectPublicKeyInfo");
            }
            return key;
        }
        catch (CryptographicException ex)
        {
            key.Dispose();
            throw new SecureAggregationException(RefusalCode.Malformed, $"The ephemeral public key of node '{owner}' is not a P-256 SubjectPublicKeyInfo: {ex.Message}");
        }
    }

    /// <summary>
    /// 32 bytes = HKDF-SHA-256(ikm = ECDH(mine, peer), salt = session context, info = purpose, lower id, higher id).
    /// Both nodes of a pair get the same key, whichever of them computes it.
    /// </summary>
    public static byte[] DeriveKey(ECDiffieHellman mine, ECDiffieHellman peer, ReadOnlySpan<byte> sessionContext, string purpose, string nodeA, string nodeB)
    {
        var secret = mine.DeriveRawSecretAgreement(peer.PublicKey);
        try
        {
            var (low, high) = string.CompareOrdinal(nodeA, nodeB) < 0 ? (nodeA, nodeB) : (nodeB, nodeA);
            var info = new Transcript(purpose).Add(low).Add(high).ToArray();
            return HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, AesCounterPrg.SeedBytes, sessionContext.ToArray(), info);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }
}
