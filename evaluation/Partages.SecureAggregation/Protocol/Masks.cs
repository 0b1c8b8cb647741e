using System.Security.Cryptography;
using Partages.SecureAggregation.Crypto;
using Partages.SecureAggregation.Ring;

namespace Partages.SecureAggregation.Protocol;

/// <summary>
/// The masks and signed statements both sides must compute identically: node u adds PRG(b_u) and, for each other
/// member v, +PRG(s_uv) if u sorts before v (ordinal) and −PRG(s_uv) otherwise, so each pair's masks cancel in the sum.
/// </summary>
internal static class Masks
{
    public const string PairwiseMaskPurpose = "pairwise-mask";
    public const string ShareEncryptionPurpose = "share-encryption";

    public static ulong[] SelfMask(ReadOnlySpan<byte> seed, int length) => AesCounterPrg.Expand(seed, length);

    /// <summary>Adds (or, with <paramref name="negate"/>, subtracts) u's signed pairwise mask with v to <paramref name="target"/>.</summary>
    public static void ApplyPairwise(Span<ulong> target, ECDiffieHellman mine, ECDiffieHellman peer, ReadOnlySpan<byte> context, string u, string v, bool negate)
    {
        var seed = KeyAgreement.DeriveKey(mine, peer, context, PairwiseMaskPurpose, u, v);
        try
        {
            var mask = AesCounterPrg.Expand(seed, target.Length);
            var add = string.CompareOrdinal(u, v) < 0;
            if (add != negate)
            {
                RingVector.AddInPlace(target, mask);
            }
            else
            {
                RingVector.SubtractInPlace(target, mask);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    public static byte[] AdvertisementStatement(ReadOnlySpan<byte> context, string nodeId, byte[] encryptionKey, byte[] maskingKey) =>
        new Transcript("advertise").Add(context).Add(nodeId).Add(encryptionKey).Add(maskingKey).ToArray();

    public static byte[] SurvivorStatement(ReadOnlySpan<byte> context, IEnumerable<string> survivors) =>
        new Transcript("survivors").Add(context).AddAll(survivors.Order(StringComparer.Ordinal)).ToArray();

    /// <summary>Shamir points: 1-based positions in the cohort sorted by node id, so every party numbers members alike.</summary>
    public static Dictionary<string, int> Points(IEnumerable<string> cohort) =>
        cohort.Order(StringComparer.Ordinal).Select((id, i) => (id, i)).ToDictionary(p => p.id, p => p.i + 1, StringComparer.Ordinal);
}
