namespace Partages.Contracts;

/// <summary>
/// The rounding of a dataset's document count before it leaves the node (<c>DatasetSummary.approximate_documents</c>),
/// and its inverse bound: the coordinator holds a node's results to the largest count that rounds to what it announced.
/// </summary>
public static class DocumentCountRounding
{
    /// <summary>
    /// To the nearest 10 below 1,000, the nearest 100 below 100,000, the nearest 1,000 above (halves away from zero); a
    /// non-empty dataset never shows fewer than 10 (nor its exact small size).
    /// </summary>
    public static long Round(long count)
    {
        if (count <= 0)
        {
            return 0;
        }

        var granularity = GranularityOf(count);
        var rounded = (long)Math.Round(count / (double)granularity, MidpointRounding.AwayFromZero) * granularity;
        return Math.Max(rounded, 10);
    }

    /// <summary>
    /// The largest true count whose <see cref="Round"/> is <paramref name="announced"/>; 0 for 0 (or less). A count is
    /// rounded on the grid of its own size, and the largest counts reaching a boundary value come from the grid above
    /// it: 1,000 is announced for 995 to 1,049 (the last ones on the grid of 100), 100,000 for 99,950 to 100,499 (on
    /// the grid of 1,000). So the bound is <c>announced + granularity / 2 − 1</c>, with 10 below 1,000, 100 up to
    /// 99,900 and 1,000 above. A value no rounding produces (e.g. 15) is bounded the same way, never tighter than the
    /// truth.
    /// </summary>
    public static long UpperBound(long announced)
    {
        if (announced <= 0)
        {
            return 0;
        }

        long granularity = announced switch
        {
            < 1_000 => 10,
            <= 99_900 => 100,
            _ => 1_000,
        };
        // A node announces what it likes: saturate rather than overflow.
        return announced > long.MaxValue - granularity ? long.MaxValue : announced + (granularity / 2) - 1;
    }

    private static long GranularityOf(long count) => count switch
    {
        < 1_000 => 10,
        < 100_000 => 100,
        _ => 1_000,
    };
}
