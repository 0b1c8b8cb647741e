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
