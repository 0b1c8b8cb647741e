namespace Partages.NodeAgent.ReleaseGate;

/// <summary>One class's score histogram after merging: the counts per bin and how many non-empty bins were moved.</summary>
public sealed record MergedHistogram(long[] Positives, long[] Negatives, int MovedBins);

/// <summary>
/// k-anonymity for a score histogram without dropping anyone: adjacent bins are grouped, lowest score first,
/// until the group's positives and its negatives are each 0 or at least k; the whole group's documents are then
/// released in one bin — the count-weighted mean score of the group, which lies inside the group's range, so groups
/// keep their order and every pair of documents in different groups is ranked as before. Only pairs inside a group
/// become ties. Nothing is dropped: per side, the released total is the true total, so pooled AUROC keeps every
/// document (dropping small bins would remove exactly the rare extreme scores and bias it). A leftover group at the
/// top that cannot reach k is merged into the group below it.
/// </summary>
public static class HistogramBinMerging
{
    /// <returns>The merged histogram, or null when a side's total is itself between 1 and k − 1 (no grouping can hide it).</returns>
    public static MergedHistogram? Merge(IReadOnlyList<long> positives, IReadOnlyList<long> negatives, int k)
    {
        ArgumentNullException.ThrowIfNull(positives);
        ArgumentNullException.ThrowIfNull(negatives);
        if (positives.Count != negatives.Count)
        {
            throw new ArgumentException("Positives and negatives need one count per bin each.", nameof(negatives));
        }

        var groups = new List<Group>();
        Group? open = null;
        for (var bin = 0; bin < positives.Count; bin++)
        {
            if (positives[bin] == 0 && negatives[bin] == 0)
            {
                continue;
            }

            open ??= new Group();
            open.Add(bin, positives[bin], negatives[bin]);
            if (open.Releasable(k))
            {
                groups.Add(open);
                open = null;
            }
        }

        if (open is not null)
        {
            groups.Add(open);
        }

        // Only the last group can fall short of k; fold it downwards until it does not.
        while (groups.Count > 1 && !groups[^1].Releasable(k))
        {
            groups[^2].Absorb(groups[^1]);
            groups.RemoveAt(groups.Count - 1);
        }

        if (groups.Count == 1 && !groups[0].Releasable(k))
        {
            return null;
        }

        var releasedPositives = new long[positives.Count];
        var releasedNegatives = new long[negatives.Count];
        var moved = 0;
        foreach (var group in groups)
        {
            var target = group.MeanBin();
            releasedPositives[target] += group.Positives;
            releasedNegatives[target] += group.Negatives;
            moved += group.NonEmptyBins.Count(b => b != target);
        }

        return new MergedHistogram(releasedPositives, releasedNegatives, moved);
    }

    private sealed class Group
    {
        private decimal _weightedBins;

        public long Positives { get; private set; }

        public long Negatives { get; private set; }

        public List<int> NonEmptyBins { get; } = [];

        public void Add(int bin, long positives, long negatives)
        {
            Positives = checked(Positives + positives);
            Negatives = checked(Negatives + negatives);
            _weightedBins += (decimal)bin * (positives + negatives);
            NonEmptyBins.Add(bin);
        }

        public void Absorb(Group other)
        {
            Positives = checked(Positives + other.Positives);
            Negatives = checked(Negatives + other.Negatives);
            _weightedBins += other._weightedBins;
            NonEmptyBins.AddRange(other.NonEmptyBins);
        }

        public bool Releasable(int k) =>
            Positives + Negatives > 0 && (Positives == 0 || Positives >= k) && (Negatives == 0 || Negatives >= k);

        /// <summary>The count-weighted mean bin, rounded: between the group's first and last non-empty bins.</summary>
        public int MeanBin() =>
            (int)Math.Clamp(
                Math.Round(_weightedBins / (Positives + Negatives), MidpointRounding.AwayFromZero),
                NonEmptyBins[0],
                NonEmptyBins[^1]);
    }
}
