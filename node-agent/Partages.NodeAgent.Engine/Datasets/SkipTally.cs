namespace Partages.NodeAgent.Engine.Datasets;

/// <summary>Counts of set-aside documents by <see cref="SkipKinds">kind</see>. Not thread-safe: each pipeline stage keeps its own.</summary>
internal sealed class SkipTally
{
    private readonly SortedDictionary<string, long> _counts = new(StringComparer.Ordinal);

    public long Total { get; private set; }

    public void Add(string kind)
    {
        _counts[kind] = _counts.GetValueOrDefault(kind) + 1;
        Total++;
    }

    /// <summary>A copy of the counts so far (the tally keeps counting).</summary>
    public SortedDictionary<string, long> Snapshot() => new(_counts, StringComparer.Ordinal);

    /// <summary>What was counted between two snapshots of one tally: <paramref name="now"/> minus <paramref name="before"/>, kinds at 0 left out.</summary>
    public static SortedDictionary<string, long> Since(IReadOnlyDictionary<string, long> now, IReadOnlyDictionary<string, long> before)
    {
        var difference = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var (kind, count) in now)
        {
            var added = count - before.GetValueOrDefault(kind);
            if (added != 0)
            {
                difference[kind] = added;
            }
        }

        return difference;
    }

    /// <summary>The sum of counts by kind, sorted by kind.</summary>
    public static SortedDictionary<string, long> Sum(params IReadOnlyDictionary<string, long>[] parts)
    {
        var sum = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var part in parts)
        {
            foreach (var (kind, count) in part)
            {
                sum[kind] = sum.GetValueOrDefault(kind) + count;
            }
        }

        return sum;
    }

    /// <summary>The union of several tallies, sorted by kind so the released JSON is byte-stable. Kinds never met are absent.</summary>
    public static SortedDictionary<string, long> Merge(params SkipTally[] tallies)
    {
        var merged = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var tally in tallies)
        {
            foreach (var (kind, count) in tally._counts)
            {
                merged[kind] = merged.GetValueOrDefault(kind) + count;
            }
        }

        return merged;
    }
}
