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

    public OneVsRestHistograms(IReadOnlyList<string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        Labels = [.. labels];
        _index = LabelIndex.Build(Labels);
        _histograms = [.. Labels.Select(_ => new ScoreHistogram())];
    }

    public IReadOnlyList<string> Labels { get; }

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
            bins[c] = ScoreGrid.BinOf(probabilities[c]);
        }

        for (var c = 0; c < bins.Length; c++)
        {
            _histograms[c].AddToBin(bins[c], isPositive: c == gold);
        }
    }

    /// <summary>Pools several sites' histograms, matching classes by label name so sites may list labels in any order.</summary>
    /// <exception cref="InvalidDataException">A site's labels differ from <paramref name="labels"/>.</exception>
    public static OneVsRestHistograms Merge(IReadOnlyList<string> labels, IEnumerable<OneVsRestHistograms> sites)
    {
        ArgumentNullException.ThrowIfNull(sites);
        var pooled = new OneVsRestHistograms(labels);
        var perClass = pooled.Labels.Select(_ => new List<ScoreHistogram>()).ToArray();
        foreach (var site in sites)
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
            pooled._histograms[c] = ScoreHistogram.Merge(perClass[c]);
        }

        return pooled;
    }
}
