namespace Partages.Evaluation.Metrics;

/// <summary>
/// One <see cref="ScoreHistogram"/> per label of a single-label classification, each class against the rest:
/// a document of gold label g is a positive in g's histogram and a negative in every other one, each scored
/// with the probability the model gave that class.
/// </summary>
public sealed class OneVsRestHistograms
{
    private readonly ScoreHistogram[] _histograms;
    private readonly Dictionary<string, int> _index;

    /// <param name="grid">The grid every class is counted on; null for <see cref="HistogramGrid.Exact"/>, the grid of exact releases.</param>
    public OneVsRestHistograms(IReadOnlyList<string> labels, HistogramGrid? grid = null)
    {
        ArgumentNullException.ThrowIfNull(labels);
        Labels = [.. labels];
        Grid = grid ?? HistogramGrid.Exact;
        _index = LabelIndex.Build(Labels);
        _histograms = [.. Labels.Select(_ => new ScoreHistogram(Grid))];
    }

    public IReadOnlyList<string> Labels { get; }

    /// <summary>The grid every class's histogram is on.</summary>
    public HistogramGrid Grid { get; }

    /// <summary>The histogram of the class at <paramref name="classIndex"/> (positives: its documents).</summary>
    public ScoreHistogram this[int classIndex] => _histograms[classIndex];

    public int IndexOf(string label) => _index.TryGetValue(label, out var i) ? i : -1;

    /// <summary>
    /// Counts one document: its gold label's index and the model's probability for every label, in
    /// <see cref="Labels"/> order. Every probability is binned before any count changes, so a refused document
    /// (a NaN) leaves the histograms as they were.
    /// </summary>
    /// <exception cref="ArgumentException">Not one probability per label, or a probability is NaN.</exception>
    public void Add(int gold, ReadOnlySpan<double> probabilities)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(gold);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(gold, Labels.Count);
        if (probabilities.Length != Labels.Count)
        {
            throw new ArgumentException($"Expected {Labels.Count} probabilities, one per label; got {probabilities.Length}.", nameof(probabilities));
        }

        Span<int> bins = Labels.Count <= 256 ? stackalloc int[Labels.Count] : new int[Labels.Count];
        for (var c = 0; c < bins.Length; c++)
        {
            bins[c] = Grid.BinOf(probabilities[c]);
        }

        for (var c = 0; c < bins.Length; c++)
        {
            _histograms[c].AddToBin(bins[c], isPositive: c == gold);
        }
    }

    /// <summary>
    /// Pools several sites' histograms, matching classes by label name so sites may list labels in any order. The pool
    /// is on the sites' grid (<see cref="HistogramGrid.Exact"/> when there is no site).
    /// </summary>
    /// <exception cref="InvalidDataException">A site's labels differ from <paramref name="labels"/>, or sites are on different grids.</exception>
    public static OneVsRestHistograms Merge(IReadOnlyList<string> labels, IEnumerable<OneVsRestHistograms> sites)
    {
        ArgumentNullException.ThrowIfNull(sites);
        var all = sites.ToList();
        var grids = all.Select(s => s.Grid).Distinct().ToList();
        if (grids.Count > 1)
        {
            throw new InvalidDataException(
                $"Sites released score histograms on different grids ({string.Join(", ", grids.Select(g => g.Name))}); their bins do not line up, so they are not pooled.");
        }

        var pooled = new OneVsRestHistograms(labels, grids.Count == 1 ? grids[0] : null);
        var perClass = pooled.Labels.Select(_ => new List<ScoreHistogram>()).ToArray();
        foreach (var site in all)
        {
            var map = site.Labels.Select(pooled.IndexOf).ToArray();
            if (site.Labels.Count != pooled.Labels.Count || map.Any(i => i < 0))
            {
                throw new InvalidDataException(
                    $"A site reported labels [{string.Join(", ", site.Labels)}], which differ from the evaluation's [{string.Join(", ", pooled.Labels)}].");
            }

            for (var c = 0; c < map.Length; c++)
            {
                perClass[map[c]].Add(site._histograms[c]);
            }
        }

        for (var c = 0; c < perClass.Length; c++)
        {
            pooled._histograms[c] = ScoreHistogram.Merge(pooled.Grid, perClass[c]);
        }

        return pooled;
    }
}
