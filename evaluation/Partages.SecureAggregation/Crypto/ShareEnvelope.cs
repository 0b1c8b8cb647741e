using System.Security.Cryptography;

namespace Partages.SecureAggregation.Crypto;

/// <summary>
/// Encryption of the shares one node sends another through the coordinator: AES-256-GCM under a key derived from
/// their c-key agreement. The associated data binds the session, the sender and the recipient, so the coordinator can
/// neither read a share nor redirect it to another node or evaluation without the decryption failing.
/// </summary>
internal static class ShareEnvelope
{
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    /// <summary>Plaintext: the share of s_u then the share of b_u, 32 bytes each.</summary>
    public const int PlaintextBytes = 64;

    public const int CiphertextBytes = NonceBytes + PlaintextBytes + TagBytes;

    public static byte[] Seal(byte[] key, ReadOnlySpan<byte> context, string sender, string recipient, ReadOnlySpan<byte> plaintext)
    {
        var result = new byte[CiphertextBytes];
        var nonce = result.AsSpan(0, NonceBytes);
        // Each pair key serves one message per direction in one session, so a fixed per-direction nonce never repeats.
        nonce[0] = string.CompareOrdinal(sender, recipient) < 0 ? (byte)1 : (byte)2;
        using var gcm = new AesGcm(key, TagBytes);
        gcm.Encrypt(nonce, plaintext, result.AsSpan(NonceBytes, PlaintextBytes), result.AsSpan(NonceBytes + PlaintextBytes), AssociatedData(context, sender, recipient));
        return result;
    }

    public static byte[] Open(byte[] key, ReadOnlySpan<byte> context, string sender, string recipient, byte[] ciphertext)
    {
        if (ciphertext.Length != CiphertextBytes)
        {
            throw new SecureAggregationException(RefusalCode.Malformed, $"The share from '{sender}' to '{recipient}' is {ciphertext.Length} bytes, not {CiphertextBytes}.");
        }
        var plaintext = new byte[PlaintextBytes];
        try
        {
            using var gcm = new AesGcm(key, TagBytes);
            gcm.Decrypt(
                ciphertext.AsSpan(0, NonceBytes),
                ciphertext.AsSpan(NonceBytes, PlaintextBytes),
                ciphertext.AsSpan(NonceBytes + PlaintextBytes),
                plaintext,
                AssociatedData(context, sender, recipient));
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new SecureAggregationException(
                RefusalCode.Malformed,
                $"The share from '{sender}' to '{recipient}' does not decrypt: it was altered, replayed from another session or redirected.");
        }
        return plaintext;
    }

    private static byte[] AssociatedData(ReadOnlySpan<byte> context, string sender, string recipient) =>
        new Transcript("share").Add(context).Add(sender).Add(recipient).ToArray();
}
