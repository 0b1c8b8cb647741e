namespace Partages.SecureAggregation.Ring;

/// <summary>
/// Vectors over the ring Z/2^64, where masking happens. Counts are signed once DP noise is added, so they map to the
/// ring by two's complement; arithmetic wraps, which is exactly addition modulo 2^64.
/// </summary>
public static class RingVector
{
    /// <summary>The ring's width in bits; a masked vector that names another width is refused.</summary>
    public const int RingBits = 64;

    /// <summary>
    /// Largest magnitude a decoded sum may have. A sum beyond it means the cohort's inputs overflowed the ring or a
    /// node sent garbage; far below 2^63, so a real count sum never comes near it and a forged one shows.
    /// </summary>
    public const long DefaultDecodeBound = 1L << 62;

    /// <summary>Maps signed counts into the ring (two's complement).</summary>
    public static ulong[] Encode(ReadOnlySpan<long> counts)
    {
        var result = new ulong[counts.Length];
        for (var i = 0; i < counts.Length; i++)
        {
            result[i] = unchecked((ulong)counts[i]);
        }
        return result;
    }

    /// <summary>
    /// Maps ring elements back to signed counts, refusing any element whose signed value lies outside ±bound, so that
    /// an overflowed or forged sum is an error naming the coordinate, never a silently wrong figure.
    /// </summary>
    public static long[] Decode(ReadOnlySpan<ulong> elements, long bound = DefaultDecodeBound)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bound);
        var result = new long[elements.Length];
        for (var i = 0; i < elements.Length; i++)
        {
            var value = unchecked((long)elements[i]);
            if (value > bound || value < -bound)
            {
                throw new SecureAggregationException(
                    RefusalCode.SumOutOfRange,
                    $"Coordinate {i} of the unmasked sum is {value}, outside ±{bound}: the inputs overflowed the ring or were forged.");
            }
            result[i] = value;
        }
        return result;
    }

    /// <summary>target += addend (mod 2^64).</summary>
    public static void AddInPlace(Span<ulong> target, ReadOnlySpan<ulong> addend)
    {
        CheckLengths(target.Length, addend.Length);
        for (var i = 0; i < target.Length; i++)
        {
            target[i] = unchecked(target[i] + addend[i]);
        }
    }

    /// <summary>target -= subtrahend (mod 2^64).</summary>
    public static void SubtractInPlace(Span<ulong> target, ReadOnlySpan<ulong> subtrahend)
    {
        CheckLengths(target.Length, subtrahend.Length);
        for (var i = 0; i < target.Length; i++)
        {
            target[i] = unchecked(target[i] - subtrahend[i]);
        }
    }

    private static void CheckLengths(int target, int other)
    {
        if (target != other)
        {
            throw new ArgumentException($"Ring vectors of different lengths: {target} and {other}.");
        }
    }
}
