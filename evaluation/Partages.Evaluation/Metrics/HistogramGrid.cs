using Partages.Evaluation.Privacy;

namespace Partages.Evaluation.Metrics;

/// <summary>
/// A data-independent partition of the probabilities [0, 1] into bins, the same at every node, on which score
/// histograms are counted so that pooling sites is adding counts bin by bin. Two grids exist, named in every released
/// <c>score_histograms</c> section so that a reader never mixes them:
/// <list type="bullet">
/// <item><see cref="Linear"/> (<c>fine</c>): the 0.001 grid of <see cref="ScoreGrid"/>, written by releases before
/// the logit grid. Read and pooled with its own kind only. Every probability below 0.0005 lands in bin 0, which ties
/// most scores of a poorly calibrated minority class: AUROC on it was off by up to 0.057 from the rank AUROC.</item>
/// <item><see cref="Logit"/> (<c>logit_v1</c>): the grid of exact releases. Bins evenly spaced in log-odds,
/// <see cref="LogitBinsPerDecade"/> per decade of odds from 10⁻¹² to 10¹² (probabilities 10⁻¹² to 1 − 10⁻¹²), one
/// bin below and one above, plus the edges of the DP grid (<see cref="DpScoreGrid"/>) so that every logit bin lies
/// inside one DP bin and an exact histogram coarsens exactly into the DP one. See docs/metrics.md for the bound and
/// the measurement behind the bin count.</item>
/// </list>
/// </summary>
public sealed class HistogramGrid
{
    /// <summary>The name of the 0.001 grid, also what a document without a grid name is on.</summary>
    public const string LinearName = "fine";

    /// <summary>The name of the logit grid of exact releases.</summary>
    public const string LogitName = "logit_v1";

    /// <summary>Bins per decade of odds on <see cref="Logit"/>: 0.0277 log-odds wide (chosen by measurement, docs/metrics.md).</summary>
    public const int LogitBinsPerDecade = 83;

    /// <summary>
    /// 10^(1/83), the odds ratio between consecutive logit edges, written out: the edges are then products of this
    /// literal, and IEEE multiplication and division are correctly rounded, so every node computes the same edges bit
    /// for bit (Math.Exp and Math.Pow are not guaranteed to agree across platforms).
    /// </summary>
    internal const double LogitOddsRatio = 1.0281303813237808;

    /// <summary>The decades of odds each side of 1 the logit grid resolves: down to odds 10⁻¹², up to 10¹².</summary>
    internal const int LogitDecades = 12;

    // Logit grid: _lowerEdges[j] is the smallest score of bin j (bin 0 starts at 0); null for the linear grid.
    private readonly double[]? _lowerEdges;

    // The first bin of each DP coarse bin, plus Bins at the end: bins FirstOfCoarse[c] … FirstOfCoarse[c + 1] − 1 are coarse bin c.
    private readonly int[] _firstOfCoarse;

    private HistogramGrid(string name, double[]? lowerEdges)
    {
        Name = name;
        _lowerEdges = lowerEdges;
        Bins = lowerEdges?.Length ?? ScoreGrid.Bins;
        _firstOfCoarse = new int[DpScoreGrid.Count + 1];
        _firstOfCoarse[DpScoreGrid.Count] = Bins;
        for (var c = DpScoreGrid.Count - 1; c >= 0; c--)
        {
            var first = DpScoreGrid.Bins[c].FirstFineBin;
            _firstOfCoarse[c] = lowerEdges is null ? first : LowerBound(lowerEdges, first == 0 ? 0 : (first - 0.5) / ScoreGrid.Steps);
        }
    }

    /// <summary>The 0.001 grid of older releases (bin k is the score k / 1000).</summary>
    public static HistogramGrid Linear { get; } = new(LinearName, null);

    /// <summary>The logit grid of exact releases.</summary>
    public static HistogramGrid Logit { get; } = CreateLogit(LogitBinsPerDecade, LogitOddsRatio, LogitName);

    /// <summary>The grid exact releases count on.</summary>
    public static HistogramGrid Exact => Logit;

    /// <summary>The grid's name, as released in <c>score_histograms.grid</c>.</summary>
    public string Name { get; }

    /// <summary>The number of bins.</summary>
    public int Bins { get; }

    /// <summary>A score above every score of the grid, the threshold of a ROC curve's first point (scikit-learn writes +∞, which JSON cannot carry).</summary>
    public double AboveEveryScore => _lowerEdges is null ? (double)ScoreGrid.Bins / ScoreGrid.Steps : 1.001;

    /// <summary>The grid a released section names; null when unknown.</summary>
    public static HistogramGrid? ByName(string? name) => name switch
    {
        null or LinearName => Linear,
        LogitName => Logit,
        _ => null,
    };

    /// <summary>
    /// A logit grid with another resolution, for measuring the error against the bin count (docs/metrics.md); never
    /// released: only <see cref="Logit"/> has a name readers know.
    /// </summary>
    internal static HistogramGrid CreateLogit(int binsPerDecade, double oddsRatio, string name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(binsPerDecade, 1);
        var steps = LogitDecades * binsPerDecade;
        var odds = new double[(2 * steps) + 1];
        odds[steps] = 1;
        for (var j = 1; j <= steps; j++)
        {
            odds[steps + j] = odds[steps + j - 1] * oddsRatio;
            odds[steps - j] = odds[steps - j + 1] / oddsRatio;
        }

        var edges = new SortedSet<double> { 0 };
        foreach (var o in odds)
        {
            edges.Add(o / (1 + o));
        }

        // The DP grid's edges: fine bin F starts at (F − ½) / 1000.
        foreach (var bin in DpScoreGrid.Bins.Skip(1))
        {
            edges.Add((bin.FirstFineBin - 0.5) / ScoreGrid.Steps);
        }

        return new HistogramGrid(name, [.. edges]);
    }

    /// <summary>
    /// The bin of a probability. A value outside [0, 1] is clamped first (that never reorders two scores). On the logit
    /// grid a bin never straddles a DP bin: the DP bin is decided exactly as for the 0.001 grid, then the logit bin
    /// within it, so coarsening a logit histogram gives what coarsening the 0.001 one would, score for score.
    /// </summary>
    /// <exception cref="ArgumentException">The score is NaN.</exception>
    public int BinOf(double score)
    {
        var fine = ScoreGrid.BinOf(score);
        if (_lowerEdges is null)
        {
            return fine;
        }

        var coarse = DpScoreGrid.CoarseBinOf(fine);
        var bin = LowerBound(_lowerEdges, Math.Clamp(score, 0.0, 1.0));
        return Math.Clamp(bin, _firstOfCoarse[coarse], _firstOfCoarse[coarse + 1] - 1);
    }

    /// <summary>
    /// The score standing for a bin, a ROC curve's threshold: on the 0.001 grid the score k / 1000 itself, on the
    /// logit grid the bin's smallest score (every document of the bin or above scored at least that).
    /// </summary>
    public double ValueOf(int bin)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bin);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(bin, Bins);
        return _lowerEdges is null ? ScoreGrid.ValueOf(bin) : _lowerEdges[bin];
    }

    /// <summary>The DP grid's bin (<see cref="DpScoreGrid"/>) holding a bin of this grid.</summary>
    public int DpCoarseBinOf(int bin)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bin);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(bin, Bins);
        var coarse = Array.BinarySearch(_firstOfCoarse, bin);
        return coarse >= 0 ? coarse : ~coarse - 1;
    }

    /// <summary>Counts on this grid summed into the DP grid's <see cref="DpScoreGrid.Count"/> bins.</summary>
    /// <exception cref="ArgumentException">Not one count per bin of this grid.</exception>
    public long[] Coarsen(IReadOnlyList<long> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        if (counts.Count != Bins)
        {
            throw new ArgumentException($"A histogram on the '{Name}' grid has {Bins} bins; got {counts.Count}.", nameof(counts));
        }

        var coarse = new long[DpScoreGrid.Count];
        for (var c = 0; c < DpScoreGrid.Count; c++)
        {
            for (var bin = _firstOfCoarse[c]; bin < _firstOfCoarse[c + 1]; bin++)
            {
                coarse[c] += counts[bin];
            }
        }

        return coarse;
    }

    public override string ToString() => $"{Name} ({Bins} bins)";

    /// <summary>The last index whose edge is ≤ <paramref name="score"/> (edges sorted, the first 0).</summary>
    private static int LowerBound(double[] edges, double score)
    {
        var i = Array.BinarySearch(edges, score);
        return i >= 0 ? i : ~i - 1;
    }
}
