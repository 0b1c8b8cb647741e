using System.Collections.ObjectModel;

namespace Partages.Evaluation.Metrics;

/// <summary>
/// The sufficient statistic of a ranking metric for one class against the rest: how many positives (documents
/// of the class) and how many negatives (all others) received a score in each bin of a <see cref="HistogramGrid"/>.
/// AUROC, the ROC curve, average precision and DeLong's variance all derive from these two count vectors, and every
/// node uses the same grid, so pooling sites is adding counts bin by bin: exact, whatever the order. Histograms on
/// different grids never add: <see cref="Merge"/> refuses them.
/// </summary>
public sealed class ScoreHistogram
{
    private readonly long[] _positives;
    private readonly long[] _negatives;

    public ScoreHistogram(HistogramGrid grid)
    {
        ArgumentNullException.ThrowIfNull(grid);
        Grid = grid;
        _positives = new long[grid.Bins];
        _negatives = new long[grid.Bins];
        Positives = new ReadOnlyCollection<long>(_positives);
        Negatives = new ReadOnlyCollection<long>(_negatives);
    }

    /// <summary>The grid the counts are on.</summary>
    public HistogramGrid Grid { get; }

    /// <summary>Positives per bin, <see cref="HistogramGrid.Bins"/> entries.</summary>
    public IReadOnlyList<long> Positives { get; }

    /// <summary>Negatives per bin, <see cref="HistogramGrid.Bins"/> entries.</summary>
    public IReadOnlyList<long> Negatives { get; }

    public long PositiveCount { get; private set; }

    public long NegativeCount { get; private set; }

    /// <summary>Counts one document's score for this class, binned by <see cref="HistogramGrid.BinOf"/>.</summary>
    /// <exception cref="ArgumentException">The score is NaN.</exception>
    public void Add(double score, bool isPositive) => AddToBin(Grid.BinOf(score), isPositive, 1);

    /// <summary>Counts <paramref name="count"/> documents in a bin. Checked: an overflow throws rather than wraps.</summary>
    public void AddToBin(int bin, bool isPositive, long count = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bin);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(bin, Grid.Bins);
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
    public static ScoreHistogram FromCounts(HistogramGrid grid, IReadOnlyList<long> positives, IReadOnlyList<long> negatives)
    {
        ArgumentNullException.ThrowIfNull(grid);
        ArgumentNullException.ThrowIfNull(positives);
        ArgumentNullException.ThrowIfNull(negatives);
        if (positives.Count != grid.Bins || negatives.Count != grid.Bins)
        {
            throw new InvalidDataException(
                $"A score histogram on the '{grid.Name}' grid needs {grid.Bins} counts per side; got {positives.Count} positives and {negatives.Count} negatives.");
        }

        var histogram = new ScoreHistogram(grid);
        for (var bin = 0; bin < grid.Bins; bin++)
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

    /// <summary>
    /// Pools histograms by adding their counts bin by bin: the histogram of the union of their documents, on
    /// <paramref name="grid"/> (which an empty pool needs to be on something).
    /// </summary>
    /// <exception cref="InvalidDataException">A histogram is on another grid: its bins do not line up, so adding them would be meaningless.</exception>
    public static ScoreHistogram Merge(HistogramGrid grid, IEnumerable<ScoreHistogram> histograms)
    {
        ArgumentNullException.ThrowIfNull(histograms);
        var merged = new ScoreHistogram(grid);
        foreach (var histogram in histograms)
        {
            if (histogram.Grid != grid)
            {
                throw new InvalidDataException(
                    $"Score histograms on the '{histogram.Grid.Name}' grid cannot be pooled with histograms on the '{grid.Name}' grid: their bins do not line up.");
            }

            for (var bin = 0; bin < grid.Bins; bin++)
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
        return Grid == other.Grid && _positives.AsSpan().SequenceEqual(other._positives) && _negatives.AsSpan().SequenceEqual(other._negatives);
    }
}
