namespace Partages.Evaluation.Quality;

/// <summary>
/// Report lengths counted on fixed, data-independent bins (powers of two: 0, 1, 2–3, 4–7, …, ≥ 2¹⁷), so that two
/// sites' histograms line up bin for bin, pool by addition, and could be released under noise without the bin
/// edges saying anything about the data.
/// </summary>
public sealed class LengthHistogram
{
    /// <summary>Bin 0 holds length 0; bin k (1 ≤ k &lt; 18) holds [2^(k−1), 2^k); the last bin everything from 2¹⁷.</summary>
    public const int Bins = 19;

    private readonly long[] _counts = new long[Bins];

    public IReadOnlyList<long> Counts => _counts;

    public long Total { get; private set; }

    /// <summary>The inclusive lower edge of each bin, for tables and plots.</summary>
    public static IReadOnlyList<long> LowerEdges { get; } = Enumerable.Range(0, Bins).Select(bin => bin == 0 ? 0L : 1L << (bin - 1)).ToArray();

    public static int BinOf(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return length == 0 ? 0 : Math.Min(Bins - 1, 64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)length));
    }

    public void Add(long length)
    {
        _counts[BinOf(length)]++;
        Total++;
    }

    public void Add(LengthHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        for (var bin = 0; bin < Bins; bin++)
        {
            _counts[bin] = checked(_counts[bin] + other._counts[bin]);
        }

        Total = checked(Total + other.Total);
    }
}
