namespace Partages.Evaluation.Metrics.Agreement;

/// <summary>
/// Fleiss' (1971) kappa for documents that each carry the same number m of labels from different annotators.
/// Its sufficient statistics are additive: the documents, Σ_i Σ_j n_ij² (n_ij: annotators who gave document i
/// label j) and the label totals, so sites with the same m pool by addition. Sites with different m cannot be
/// pooled into one Fleiss' kappa (the coefficient assumes one m); <see cref="CoincidenceMatrix"/> can.
/// </summary>
public sealed class FleissTable
{
    private readonly long[] _labelTotals;

    /// <param name="categories">How many labels (k ≥ 2).</param>
    /// <param name="annotatorsPerDocument">m ≥ 2, the same for every document.</param>
    public FleissTable(int categories, int annotatorsPerDocument)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(categories, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(annotatorsPerDocument, 2);
        _labelTotals = new long[categories];
        AnnotatorsPerDocument = annotatorsPerDocument;
    }

    public int Categories => _labelTotals.Length;

    public int AnnotatorsPerDocument { get; }

    public long Documents { get; private set; }

    /// <summary>Σ over documents and labels of n_ij².</summary>
    public long SumOfSquaredCounts { get; private set; }

    public IReadOnlyList<long> LabelTotals => _labelTotals;

    /// <summary>Counts one document from its annotators' labels; exactly m of them.</summary>
    /// <exception cref="ArgumentException">The document does not have m labels.</exception>
    public void AddDocument(IReadOnlyList<int> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count != AnnotatorsPerDocument)
        {
            throw new ArgumentException(
                $"Fleiss' kappa needs {AnnotatorsPerDocument} labels for every document; this one has {labels.Count}.", nameof(labels));
        }

        var perLabel = new long[Categories];
        foreach (var label in labels)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(label, nameof(labels));
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(label, Categories, nameof(labels));
            perLabel[label]++;
        }

        for (var j = 0; j < Categories; j++)
        {
            SumOfSquaredCounts = checked(SumOfSquaredCounts + perLabel[j] * perLabel[j]);
            _labelTotals[j] = checked(_labelTotals[j] + perLabel[j]);
        }

        Documents++;
    }

    /// <summary>Adds another site's table (same labels, same m).</summary>
    public void Add(FleissTable other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Categories != Categories || other.AnnotatorsPerDocument != AnnotatorsPerDocument)
        {
            throw new ArgumentException(
                $"Cannot pool Fleiss' tables of {other.Categories} labels × {other.AnnotatorsPerDocument} annotators into {Categories} × {AnnotatorsPerDocument}.",
                nameof(other));
        }

        Documents = checked(Documents + other.Documents);
        SumOfSquaredCounts = checked(SumOfSquaredCounts + other.SumOfSquaredCounts);
        for (var j = 0; j < Categories; j++)
        {
            _labelTotals[j] = checked(_labelTotals[j] + other._labelTotals[j]);
        }
    }

    /// <summary>
    /// (P̄ − P̄_e) / (1 − P̄_e), as statsmodels' <c>fleiss_kappa(table, method="fleiss")</c>. Null ("not
    /// estimable") without documents or when every label given is the same one. No interval: Fleiss' variance
    /// formula holds only under the null hypothesis of no agreement beyond chance.
    /// </summary>
    public KappaEstimate? Kappa()
    {
        if (Documents == 0)
        {
            return null;
        }

        double m = AnnotatorsPerDocument, n = Documents;
        var meanObserved = (SumOfSquaredCounts - n * m) / (n * m * (m - 1));
        var expected = _labelTotals.Sum(total => Math.Pow(total / (n * m), 2));
        if (1 - expected <= 1e-15)
        {
            return null;
        }

        return new KappaEstimate((meanObserved - expected) / (1 - expected), Interval: null, Documents);
    }
}
