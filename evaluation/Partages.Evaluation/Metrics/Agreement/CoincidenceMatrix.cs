namespace Partages.Evaluation.Metrics.Agreement;

/// <summary>
/// Krippendorff's coincidence matrix for nominal labels, kept as integer pair counts per unit size so that sites
/// pool by addition, exactly. A unit (document) labelled by m ≥ 2 annotators contributes each ordered pair of its
/// labels from different annotators, m(m − 1) pairs; Krippendorff weights them 1 / (m − 1), so the pairs are
/// counted here per m and weighted only when alpha is computed. The matrix forgets which annotator said what,
/// which is why it pools across sites whose annotators differ (Cohen's table does not).
/// </summary>
public sealed class CoincidenceMatrix
{
    private readonly SortedDictionary<int, long[,]> _pairsByUnitSize = [];

    /// <param name="categories">How many labels (k ≥ 2).</param>
    public CoincidenceMatrix(int categories)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(categories, 2);
        Categories = categories;
    }

    public int Categories { get; }

    /// <summary>Units with at least two labels (the only ones alpha can use).</summary>
    public long PairableUnits { get; private set; }

    /// <summary>Units with fewer than two labels: counted, not used, as Krippendorff prescribes.</summary>
    public long UnpairableUnits { get; private set; }

    /// <summary>The unit sizes (labels per unit) seen, each with its ordered pair counts (read-only copies).</summary>
    public IReadOnlyDictionary<int, long[,]> PairsByUnitSize =>
        _pairsByUnitSize.ToDictionary(entry => entry.Key, entry => (long[,])entry.Value.Clone());

    /// <summary>Counts one unit from its annotators' labels (one entry per annotator who labelled it).</summary>
    public void AddUnit(IReadOnlyList<int> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        foreach (var label in labels)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(label, nameof(labels));
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(label, Categories, nameof(labels));
        }

        if (labels.Count < 2)
        {
            UnpairableUnits++;
            return;
        }

        var pairs = PairsFor(labels.Count);
        for (var a = 0; a < labels.Count; a++)
        {
            for (var b = 0; b < labels.Count; b++)
            {
                if (a != b)
                {
                    pairs[labels[a], labels[b]] = checked(pairs[labels[a], labels[b]] + 1);
                }
            }
        }

        PairableUnits++;
    }

    /// <summary>Adds another site's matrix: the pooled matrix is the one the union of the units would give.</summary>
    public void Add(CoincidenceMatrix other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Categories != Categories)
        {
            throw new ArgumentException($"Cannot pool a coincidence matrix of {other.Categories} labels into one of {Categories}.", nameof(other));
        }

        foreach (var (size, otherPairs) in other._pairsByUnitSize)
        {
            var pairs = PairsFor(size);
            for (var c = 0; c < Categories; c++)
            {
                for (var k = 0; k < Categories; k++)
                {
                    pairs[c, k] = checked(pairs[c, k] + otherPairs[c, k]);
                }
            }
        }

        PairableUnits = checked(PairableUnits + other.PairableUnits);
        UnpairableUnits = checked(UnpairableUnits + other.UnpairableUnits);
    }

    /// <summary>Adds released pair counts for one unit size (a site's result, read back).</summary>
    public void AddPairs(int unitSize, long[,] pairs, long units)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(unitSize, 2);
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentOutOfRangeException.ThrowIfNegative(units);
        if (pairs.GetLength(0) != Categories || pairs.GetLength(1) != Categories)
        {
            throw new InvalidDataException($"Pair counts for units of {unitSize} labels must be {Categories} × {Categories}.");
        }

        var target = PairsFor(unitSize);
        for (var c = 0; c < Categories; c++)
        {
            for (var k = 0; k < Categories; k++)
            {
                if (pairs[c, k] < 0)
                {
                    throw new InvalidDataException($"Pair counts for units of {unitSize} labels hold a negative count at ({c}, {k}).");
                }

                target[c, k] = checked(target[c, k] + pairs[c, k]);
            }
        }

        PairableUnits = checked(PairableUnits + units);
    }

    /// <summary>The weighted coincidences o_ck = Σ_m pairs_m(c, k) / (m − 1).</summary>
    public double[,] Coincidences()
    {
        var o = new double[Categories, Categories];
        foreach (var (size, pairs) in _pairsByUnitSize)
        {
            for (var c = 0; c < Categories; c++)
            {
                for (var k = 0; k < Categories; k++)
                {
                    o[c, k] += pairs[c, k] / (double)(size - 1);
                }
            }
        }

        return o;
    }

    /// <summary>
    /// Krippendorff's alpha for nominal data, 1 − (n − 1) Σ_{c≠k} o_ck / Σ_{c≠k} n_c n_k. Null ("not estimable")
    /// with fewer than two pairable values or when every value is the same label (no disagreement is expected,
    /// so none can be measured against it). No interval: Krippendorff's bootstrap resamples units, which the
    /// released counts do not hold.
    /// </summary>
    public KappaEstimate? Alpha() => AlphaFromCoincidences(Coincidences()) is { } alpha ? new KappaEstimate(alpha, Interval: null, PairableUnits) : null;

    /// <summary>
    /// α from weighted coincidences o_ck (a released matrix read back, possibly with non-integer simulated cells);
    /// null when fewer than two pairable values remain or no disagreement is expected.
    /// </summary>
    public static double? AlphaFromCoincidences(double[,] o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var categories = o.GetLength(0);
        var marginals = new double[categories];
        var total = 0.0;
        var observedDisagreement = 0.0;
        for (var c = 0; c < categories; c++)
        {
            for (var k = 0; k < categories; k++)
            {
                marginals[c] += o[c, k];
                total += o[c, k];
                if (c != k)
                {
                    observedDisagreement += o[c, k];
                }
            }
        }

        var expectedDisagreement = 0.0;
        for (var c = 0; c < categories; c++)
        {
            for (var k = 0; k < categories; k++)
            {
                if (c != k)
                {
                    expectedDisagreement += marginals[c] * marginals[k];
                }
            }
        }

        if (total < 2 || expectedDisagreement <= 0)
        {
            return null;
        }

        return 1 - (total - 1) * observedDisagreement / expectedDisagreement;
    }

    private long[,] PairsFor(int unitSize)
    {
        if (!_pairsByUnitSize.TryGetValue(unitSize, out var pairs))
        {
            pairs = new long[Categories, Categories];
            _pairsByUnitSize[unitSize] = pairs;
        }

        return pairs;
    }
}
