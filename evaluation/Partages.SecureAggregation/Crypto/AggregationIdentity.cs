using System.Security.Cryptography;

namespace Partages.SecureAggregation.Crypto;

/// <summary>
/// A node's long-term aggregation key (ECDSA P-256), separate from its enrolled TLS key so that certificate renewal
/// or a CA rotation never breaks the pins hospitals exchanged out of band. It signs the node's ephemeral keys and its
/// view of the survivor set.
/// </summary>
public sealed class AggregationIdentity : IDisposable
{
    private readonly ECDsa _key;

    private AggregationIdentity(ECDsa key)
    {
        _key = key;
        PublicKey = key.ExportSubjectPublicKeyInfo();
        Pin = PeerPin.Of(PublicKey);
    }

    /// <summary>SubjectPublicKeyInfo of the long-term key.</summary>
    public byte[] PublicKey { get; }

    /// <summary>The pin other hospitals put in their policy: lowercase hex SHA-256 of <see cref="PublicKey"/>.</summary>
    public string Pin { get; }

    public static AggregationIdentity Create() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    /// <summary>Loads a key kept by the node (PKCS#8), e.g. from its protected key store.</summary>
    public static AggregationIdentity FromPkcs8(ReadOnlySpan<byte> pkcs8)
    {
        var key = ECDsa.Create();
        key.ImportPkcs8PrivateKey(pkcs8, out _);
        return new AggregationIdentity(key);
    }

    public byte[] ExportPkcs8() => _key.ExportPkcs8PrivateKey();

    public byte[] Sign(ReadOnlySpan<byte> message) => _key.SignData(message, HashAlgorithmName.SHA256);

    /// <summary>Verifies a signature made with the long-term key <paramref name="publicKey"/> (SubjectPublicKeyInfo); false for any malformed input.</summary>
    public static bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        try
        {
            using var key = ECDsa.Create();
            key.ImportSubjectPublicKeyInfo(publicKey, out var read);
            return read == publicKey.Length
                && key.KeySize == 256
                && key.VerifyData(message, signature, HashAlgorithmName.SHA256);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    public void Dispose() => _key.Dispose();
}

/// <summary>Peer pins: SHA-256 of a long-term key's SubjectPublicKeyInfo, lowercase hex.</summary>
public static class PeerPin
{
    public static string Of(ReadOnlySpan<byte> subjectPublicKeyInfo) => Convert.ToHexStringLower(SHA256.HashData(subjectPublicKeyInfo));

    /// <summary>Constant-time comparison, so a pin check leaks nothing about how close a forged key came.</summary>
    public static bool Matches(string pin, ReadOnlySpan<byte> subjectPublicKeyInfo)
    {
        var actual = System.Text.Encoding.ASCII.GetBytes(Of(subjectPublicKeyInfo));
        var expected = System.Text.Encoding.ASCII.GetBytes(pin.ToLowerInvariant());
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }
}
