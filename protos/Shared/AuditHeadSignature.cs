using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Partages.Contracts;

/// <summary>
/// What a node signs when it vouches for the head of its audit log, and how both sides sign and check it: one
/// definition, so the node's checkpoints, its heads on the wire and the coordinator's check can never disagree.
/// ECDSA P-256 with SHA-256, signature in IEEE P1363 form (as <c>BundleSignature</c>).
/// </summary>
public static class AuditHeadSignature
{
    /// <summary>
    /// The domain prefix: a head signature can never be replayed as a signature of anything else the node's key signs
    /// (TLS handshakes sign their own, differently framed, transcripts).
    /// </summary>
    public const string Domain = "partages-audit-head-v1";

    /// <summary>
    /// The signed bytes: <c>partages-audit-head-v1:{node}:{sequence}:{entry_sha256}</c>. The node is named by its
    /// certificate's CN (its enrolled name), which the node knows offline and the coordinator keys nodes by; the
    /// node id is only learned from a Welcome, and a checkpoint must be signable before any session.
    /// </summary>
    public static byte[] Message(string nodeName, long sequence, string entrySha256)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeName);
        ArgumentNullException.ThrowIfNull(entrySha256);
        return Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{Domain}:{nodeName}:{sequence}:{entrySha256}"));
    }

    public static byte[] Sign(ECDsa key, string nodeName, long sequence, string entrySha256)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.SignData(Message(nodeName, sequence, entrySha256), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    /// <summary>False for a wrong or malformed signature; never throws on the signature's bytes.</summary>
    public static bool Verify(ECDsa publicKey, string nodeName, long sequence, string entrySha256, ReadOnlySpan<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        if (signature.IsEmpty)
        {
            return false;
        }

        try
        {
            return publicKey.VerifyData(Message(nodeName, sequence, entrySha256), signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
