using System.Collections.ObjectModel;

namespace Partages.Evaluation.Metrics;

/// <summary>
/// The sufficient statistic of a ranking metric for one class against the rest: how many positives (documents
/// of the class) and how many negatives (all others) received each <see cref="ScoreGrid"/> score. AUROC, the
/// ROC curve, average precision and DeLong's variance all derive from these two count vectors, and every node
/// uses the same grid, so pooling sites is adding counts bin by bin: exact, whatever the order.
/// </summary>
public sealed class ScoreHistogram
{
    private readonly long[] _positives = new long[ScoreGrid.Bins];
    private readonly long[] _negatives = new long[ScoreGrid.Bins];

    public ScoreHistogram()
    {
        Positives = new ReadOnlyCollection<long>(_positives);
        Negatives = new ReadOnlyCollection<long>(_negatives);
    }

    /// <summary>Positives per bin, <see cref="ScoreGrid.Bins"/> entries; bin k is the score k / <see cref="ScoreGrid.Steps"/>.</summary>
    public IReadOnlyList<long> Positives { get; }

    /// <summary>Negatives per bin, <see cref="ScoreGrid.Bins"/> entries.</summary>
    public IReadOnlyList<long> Negatives { get; }

    public long PositiveCount { get; private set; }

    public long NegativeCount { get; private set; }

    /// <summary>Counts one document's score for this class, rounded to the grid by <see cref="ScoreGrid.BinOf"/>.</summary>
    /// <exception cref="ArgumentException">The score is NaN.</exception>
    public void Add(double score, bool isPositive) => AddToBin(ScoreGrid.BinOf(score), isPositive, 1);

    /// <summary>Counts <paramref name="count"/> documents in a bin. Checked: an overflow throws rather than wraps.</summary>
    public void AddToBin(int bin, bool isPositive, long count = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bin);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(bin, ScoreGrid.Bins);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (isPositive)
        {
            _positives[bin] = checked(_positives[bin] + count);
            PositiveCount = checked(PositiveCount + count);
        }
        else
        {
            _negatives[bin] = checked(_negatives[bin] + count);
            NegativeCount = checked(NegativeCount + count);
        }
    }

    /// <summary>Rebuilds a histogram from released counts, e.g. a site's JSON.</summary>
    /// <exception cref="InvalidDataException">A vector does not have one entry per bin, or holds a negative count.</exception>
    public static ScoreHistogram FromCounts(IReadOnlyList<long> positives, IReadOnlyList<long> negatives)
    {
        ArgumentNullException.ThrowIfNull(positives);
        ArgumentNullException.ThrowIfNull(negatives);
        if (positives.Count != ScoreGrid.Bins || negatives.Count != ScoreGrid.Bins)
        {
            throw new InvalidDataException(
                $"A score histogram needs {ScoreGrid.Bins} counts per side (the shared grid); got {positives.Count} positives and {negatives.Count} negatives.");
        }

        var histogram = new ScoreHistogram();
        for (var bin = 0; bin < ScoreGrid.Bins; bin++)
        {
            if (positives[bin] < 0 || negatives[bin] < 0)
            {
                throw new InvalidDataException($"A score histogram holds a negative count in bin {bin}.");
            }

            histogram.AddToBin(bin, isPositive: true, positives[bin]);
            histogram.AddToBin(bin, isPositive: false, negatives[bin]);
        }

        return histogram;
    }

    /// <summary>Pools histograms by adding their counts bin by bin: the histogram of the union of their documents.</summary>
    public static ScoreHistogram Merge(IEnumerable<ScoreHistogram> histograms)
    {
        ArgumentNullException.ThrowIfNull(histograms);
        var merged = new ScoreHistogram();
        foreach (var histogram in histograms)
        {
            for (var bin = 0; bin < ScoreGrid.Bins; bin++)
            {
                merged.AddToBin(bin, isPositive: true, histogram._positives[bin]);
                merged.AddToBin(bin, isPositive: false, histogram._negatives[bin]);
            }
        }

        return merged;
    }

    /// <summary>True when both histograms hold the same count in every bin.</summary>
    public bool HasSameCounts(ScoreHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return _positives.AsSpan().SequenceEqual(other._positives) && _negatives.AsSpan().SequenceEqual(other._negatives);
    }
}
