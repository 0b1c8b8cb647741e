using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;

namespace Partages.SecureAggregation.Sharing;

/// <summary>One Shamir share: the polynomial's value at <see cref="X"/> (a cohort member's index, 1-based).</summary>
/// <param name="X">The holder's evaluation point, 1..n.</param>
/// <param name="Value">The value, 32 bytes big-endian, below <see cref="Shamir.Prime"/>.</param>
public sealed record ShamirShare(int X, byte[] Value);

/// <summary>
/// Shamir secret sharing, threshold t of n, over GF(q) with q the order of the P-256 group: every P-256 private scalar
/// is an element of the field as it is, and self-mask seeds are drawn uniformly from it, so both secrets a node shares
/// fit without any encoding.
/// </summary>
public static class Shamir
{
    public const int ValueBytes = 32;

    /// <summary>The order of the NIST P-256 group, a 256-bit prime (FIPS 186-4, D.1.2.3).</summary>
    public static readonly BigInteger Prime = BigInteger.Parse(
        "0FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    /// <summary>A uniformly random field element, as 32 bytes: the self-mask seed b_u.</summary>
    public static byte[] RandomElement() => ToBytes(RandomFieldElement());

    /// <summary>Splits a 32-byte secret (below <see cref="Prime"/>) into shares at the given points, any t of which rebuild it.</summary>
    public static ShamirShare[] Split(ReadOnlySpan<byte> secret, int threshold, IReadOnlyList<int> points)
    {
        var value = Parse(secret, "secret");
        if (threshold < 1 || threshold > points.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, $"The threshold must lie in 1..{points.Count}.");
        }
        if (points.Distinct().Count() != points.Count || points.Any(x => x < 1))
        {
            throw new ArgumentException("Share points must be distinct and positive.", nameof(points));
        }
        var coefficients = new BigInteger[threshold];
        coefficients[0] = value;
        for (var i = 1; i < threshold; i++)
        {
            coefficients[i] = RandomFieldElement();
        }
        var shares = new ShamirShare[points.Count];
        for (var s = 0; s < points.Count; s++)
        {
            // Horner's rule, all arithmetic mod q.
            BigInteger x = points[s], y = BigInteger.Zero;
            for (var i = threshold - 1; i >= 0; i--)
            {
                y = ((y * x) + coefficients[i]) % Prime;
            }
            shares[s] = new ShamirShare(points[s], ToBytes(y));
        }
        return shares;
    }

    /// <summary>
    /// Rebuilds the secret from at least t shares. Refuses a share whose point is not in <paramref name="allowedPoints"/>
    /// (a foreign holder), two shares at one point, a malformed value, and, when more than t shares are given, any
    /// share that does not lie on the polynomial the first t define (a corrupted or forged share).
    /// </summary>
    public static byte[] Combine(IReadOnlyCollection<ShamirShare> shares, int threshold, IReadOnlySet<int> allowedPoints, string owner) =>
        new ShamirCombiner().Combine(shares, threshold, allowedPoints, owner);

    internal static byte[] ToBytes(BigInteger value)
    {
        var bytes = new byte[ValueBytes];
        value.TryWriteBytes(bytes, out var written, isUnsigned: true, isBigEndian: true);
        // Right-align: TryWriteBytes writes the minimal big-endian form at the start.
        if (written < ValueBytes)
        {
            var aligned = new byte[ValueBytes];
            bytes.AsSpan(0, written).CopyTo(aligned.AsSpan(ValueBytes - written));
            return aligned;
        }
        return bytes;
    }

    internal static BigInteger Parse(ReadOnlySpan<byte> bytes, string what)
    {
        if (bytes.Length != ValueBytes)
        {
            throw new SecureAggregationException(RefusalCode.Malformed, $"The {what} is {bytes.Length} bytes, not {ValueBytes}.");
        }
        var value = new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
        if (value >= Prime)
        {
            throw new SecureAggregationException(RefusalCode.Malformed, $"The {what} is not an element of the field (not below the prime).");
        }
        return value;
    }

    private static BigInteger RandomFieldElement()
    {
        Span<byte> bytes = stackalloc byte[ValueBytes];
        while (true)
        {
            RandomNumberGenerator.Fill(bytes);
            var value = new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
            // Rejection keeps the element uniform; q is within 2^-32 of 2^256, so a retry is rare.
            if (value < Prime)
            {
                return value;
            }
        }
    }
}
