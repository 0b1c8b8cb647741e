namespace Partages.Evaluation.Metrics.Agreement;

/// <summary>
/// Two annotators' labels for the same documents as a k × k table: cell (i, j) counts the documents the first
/// annotator labelled i and the second j. Cohen's kappa is a figure of one site's table: annotators differ by
/// site, so which one is "first" is arbitrary across sites and the pooled expected agreement would depend on it.
/// Pool with <see cref="CoincidenceMatrix"/> (Krippendorff's alpha) instead, which forgets the order.
/// </summary>
public sealed class RaterPairTable
{
    private readonly long[,] _cells;

    /// <param name="categories">How many labels (k ≥ 2).</param>
    public RaterPairTable(int categories)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(categories, 2);
        _cells = new long[categories, categories];
    }

    public int Categories => _cells.GetLength(0);

    /// <summary>Documents both annotators labelled.</summary>
    public long Documents { get; private set; }

    public long this[int first, int second] => _cells[first, second];

    /// <summary>Counts one document: the first annotator said <paramref name="first"/>, the second <paramref name="second"/>.</summary>
    public void Add(int first, int second, long count = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        CheckCategory(first, nameof(first));
        CheckCategory(second, nameof(second));
        _cells[first, second] = checked(_cells[first, second] + count);
        Documents = checked(Documents + count);
    }

    /// <summary>
    /// Cohen's (1960) kappa, (p_o − p_e) / (1 − p_e), as scikit-learn's <c>cohen_kappa_score</c> computes it, with
    /// a 95 % Wald interval from the large-sample variance of Fleiss, Cohen and Everitt (1969). Null ("not
    /// estimable") without documents or when chance agreement is total (both annotators used one label only).
    /// </summary>
    public KappaEstimate? CohenKappa()
    {
        if (Documents == 0)
        {
            return null;
        }

        var k = Categories;
        double n = Documents;
        var rows = new double[k];
        var columns = new double[k];
        var observed = 0.0;
        for (var i = 0; i < k; i++)
        {
            for (var j = 0; j < k; j++)
            {
                var p = _cells[i, j] / n;
                rows[i] += p;
                columns[j] += p;
                if (i == j)
                {
                    observed += p;
                }
            }
        }

        var expected = 0.0;
        for (var i = 0; i < k; i++)
        {
            expected += rows[i] * columns[i];
        }

        if (1 - expected <= 1e-15)
        {
            return null;
        }

        var kappa = (observed - expected) / (1 - expected);
        var variance = FleissCohenEverittVariance(rows, columns, observed, expected, n);
        return new KappaEstimate(kappa, ConfidenceInterval.Normal95(kappa, Math.Sqrt(Math.Max(0, variance))), Documents);
    }

    private double FleissCohenEverittVariance(double[] rows, double[] columns, double observed, double expected, double n)
    {
        // Fleiss, Cohen & Everitt (1969), eq. 13: the variance of kappa when the true kappa is not assumed to be 0.
        var k = Categories;
        var diagonal = 0.0;
        var offDiagonal = 0.0;
        for (var i = 0; i < k; i++)
        {
            for (var j = 0; j < k; j++)
            {
                var p = _cells[i, j] / n;
                if (i == j)
                {
                    var term = (1 - expected) - (rows[i] + columns[i]) * (1 - observed);
                    diagonal += p * term * term;
                }
                else
                {
                    var term = columns[i] + rows[j];
                    offDiagonal += p * term * term;
                }
            }
        }

        var correction = observed * expected - 2 * expected + observed;
        var numerator = diagonal + (1 - observed) * (1 - observed) * offDiagonal - correction * correction;
        return numerator / (n * Math.Pow(1 - expected, 4));
    }

    private void CheckCategory(int category, string name)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(category, name);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(category, Categories, name);
    }
}

/// <summary>
/// An agreement coefficient with its 95 % interval (null where no interval follows from the released counts)
/// and the documents (or units) behind it.
/// </summary>
public sealed record KappaEstimate(double Value, ConfidenceInterval? Interval, long Units);
