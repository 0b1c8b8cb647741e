namespace Partages.Evaluation.Results;

/// <summary>
/// <c>multi_label</c>: what a multi-label result has beyond the per-label counts in <c>per_class</c>.
/// </summary>
/// <param name="Threshold">A label is predicted when its score is at or above this (the bundle manifest's threshold).</param>
/// <param name="ExactMatches">Documents whose predicted label set is exactly their gold set (subset accuracy's numerator).</param>
public sealed record MultiLabelSection(double Threshold, long ExactMatches);

/// <summary>
/// The sufficient statistics of a <see cref="Bundles.TaskTypes.MultiLabelClassification"/> run: per label one-vs-rest
/// tp / fp / fn / tn over documents, the documents predicted exactly, and the label co-occurrence matrix
/// (documents carrying gold label g and predicted label p; its diagonal is each label's tp). Sums only, so sites
/// pool by addition. Not thread-safe.
/// </summary>
public sealed class MultiLabelStatistics
{
    private readonly long[] _tp;
    private readonly long[] _fp;
    private readonly long[] _fn;
    private readonly long[] _tn;
    private ClassificationCounts _cooccurrence;

    public MultiLabelStatistics(IReadOnlyList<string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        _cooccurrence = new ClassificationCounts(labels);
        Labels = _cooccurrence.Labels;
        _tp = new long[Labels.Count];
        _fp = new long[Labels.Count];
        _fn = new long[Labels.Count];
        _tn = new long[Labels.Count];
    }

    public IReadOnlyList<string> Labels { get; }

    public long DocumentCount { get; set; }

    public long ExactMatches { get; set; }

    public (long Tp, long Fp, long Fn, long Tn) this[int label] => (_tp[label], _fp[label], _fn[label], _tn[label]);

    /// <summary>Gold label (row) against predicted label (column), counted once per document carrying both.</summary>
    public ClassificationCounts Cooccurrence => _cooccurrence;

    /// <summary>One document: one flag per label in <see cref="Labels"/> order.</summary>
    public void Add(ReadOnlySpan<bool> gold, ReadOnlySpan<bool> predicted)
    {
        if (gold.Length != Labels.Count || predicted.Length != Labels.Count)
        {
            throw new ArgumentException($"Expected {Labels.Count} flags per document.");
        }

        var exact = true;
        for (var c = 0; c < Labels.Count; c++)
        {
            var counts = (gold[c], predicted[c]) switch
            {
                (true, true) => _tp,
                (false, true) => _fp,
                (true, false) => _fn,
                (false, false) => _tn,
            };
            counts[c]++;
            exact &= gold[c] == predicted[c];
            if (!gold[c])
            {
                continue;
            }

            for (var p = 0; p < Labels.Count; p++)
            {
                if (predicted[p])
                {
                    _cooccurrence.Add(c, p);
                }
            }
        }

        DocumentCount++;
        ExactMatches += exact ? 1 : 0;
    }

    /// <summary>Sets one label's counts, e.g. when reading a released result back or after a release rule.</summary>
    public void Set(int label, long tp, long fp, long fn, long tn)
    {
        if (tp < 0 || fp < 0 || fn < 0 || tn < 0)
        {
            throw new ArgumentException("Counts cannot be negative.");
        }

        (_tp[label], _fp[label], _fn[label], _tn[label]) = (tp, fp, fn, tn);
    }

    /// <summary>Replaces the co-occurrence matrix; its labels are matched by name.</summary>
    /// <exception cref="InvalidDataException">Its labels are not these.</exception>
    public void SetCooccurrence(ClassificationCounts counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        _cooccurrence = ClassificationCounts.Pool(Labels, [counts]);
    }

    /// <summary>
    /// Per-label precision, recall and F1 (a ratio over 0 is 0, as scikit-learn's <c>zero_division=0</c>), support =
    /// tp + fn; micro over the summed tp / fp / fn, macro the unweighted mean, weighted by support.
    /// </summary>
    public ClassificationReport Report()
    {
        var report = Averages.Report(
            Labels,
            [.. Enumerable.Range(0, Labels.Count).Select(c => (_tp[c], _fp[c], _fn[c], _tn[c]))],
            Averages.ZeroDivision.Zero,
            DocumentCount == 0 ? 0 : (double)ExactMatches / DocumentCount);
        // Released in ordinal order of the labels, as before the averages were shared.
        return report with { PerClass = new SortedDictionary<string, ClassMetrics>(report.PerClass.ToDictionary(), StringComparer.Ordinal) };
    }

    /// <summary>The sum of several sites' statistics: those of the union of their documents.</summary>
    public static MultiLabelStatistics Pool(IReadOnlyList<string> labels, IEnumerable<MultiLabelStatistics> sites)
    {
        var pooled = new MultiLabelStatistics(labels);
        var cooccurrence = new List<ClassificationCounts>();
        foreach (var site in SitePool.Matching(sites, labels, s => s.Labels, "labels"))
        {
            for (var c = 0; c < labels.Count; c++)
            {
                pooled._tp[c] += site._tp[c];
                pooled._fp[c] += site._fp[c];
                pooled._fn[c] += site._fn[c];
                pooled._tn[c] += site._tn[c];
            }

            pooled.DocumentCount += site.DocumentCount;
            pooled.ExactMatches += site.ExactMatches;
            cooccurrence.Add(site._cooccurrence);
        }

        pooled._cooccurrence = ClassificationCounts.Pool(labels, cooccurrence);
        return pooled;
    }

}

/// <summary>
/// Builds, reads back and pools the results of a <see cref="Bundles.TaskTypes.MultiLabelClassification"/> run
/// (docs/results-schema.md, "Multi-label classification"). Such a document keeps every required member of the
/// schema: <c>n_documents</c>; <c>per_class</c> each label's one-vs-rest tp / fp / fn / tn and P/R/F1;
/// <c>micro</c>, <c>macro</c>, <c>weighted</c>; <c>accuracy</c> the subset accuracy; <c>confusion_matrix</c> the
/// label co-occurrence; and <c>multi_label</c> with the threshold and the exact matches.
/// </summary>
public static class MultiLabelResults
{
    public static ResultDocument Build(string task, double threshold, MultiLabelStatistics statistics, InputSummary inputSummary)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        var report = statistics.Report();
        return ResultDocument.FromReport(task, statistics.DocumentCount, new ConfusionMatrixDto(statistics.Labels, statistics.Cooccurrence.ToMatrix()), report, inputSummary) with
        {
            MultiLabel = new MultiLabelSection(threshold, statistics.ExactMatches),
        };
    }

    /// <summary>The released statistics, in <paramref name="labels"/>' order.</summary>
    /// <exception cref="InvalidDataException">The <c>multi_label</c> section or a label's counts are missing or impossible.</exception>
    public static MultiLabelStatistics Read(ResultDocument document, IReadOnlyList<string> labels)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(labels);
        var section = document.MultiLabel ?? throw new InvalidDataException("the multi-label result has no multi_label section");
        var statistics = new MultiLabelStatistics(labels);
        if (document.NDocuments < 0 || section.ExactMatches < 0 || section.ExactMatches > document.NDocuments)
        {
            throw new InvalidDataException("multi_label.exact_matches must lie between 0 and n_documents");
        }

        statistics.DocumentCount = document.NDocuments;
        statistics.ExactMatches = section.ExactMatches;
        for (var c = 0; c < labels.Count; c++)
        {
            if (document.PerClass is null || !document.PerClass.TryGetValue(labels[c], out var metrics) || metrics is null)
            {
                throw new InvalidDataException($"per_class lacks label '{labels[c]}'");
            }

            try
            {
                statistics.Set(c, metrics.Tp, metrics.Fp, metrics.Fn, metrics.Tn);
            }
            catch (ArgumentException ex)
            {
                throw new InvalidDataException($"per_class.{labels[c]}: {ex.Message}", ex);
            }
        }

        try
        {
            // Pool matches labels by name and refuses another label set.
            statistics.SetCooccurrence(ClassificationCounts.Pool(labels, [document.ToCounts()]));
        }
        catch (ArgumentException ex)
        {
            throw new InvalidDataException($"confusion_matrix: {ex.Message}", ex);
        }

        return statistics;
    }

    /// <summary>
    /// Pools multi-label results by adding every site's counts (per label tp / fp / fn / tn, exact matches,
    /// co-occurrence, documents, input summary) and deriving every metric from the sums: the union's figures.
    /// When a site released under differential privacy, its noisy counts are pooled the same way, with their noise
    /// variances (<see cref="PrivateMultiLabelResults.Pool"/>).
    /// </summary>
    /// <exception cref="InvalidDataException">A site's sections are missing or malformed, or the sites used different thresholds.</exception>
    public static ResultDocument Pool(string task, IReadOnlyList<string> labels, IReadOnlyList<ResultDocument> sites)
    {
        ArgumentNullException.ThrowIfNull(sites);
        if (sites.Any(s => s.Release?.DifferentialPrivacy is not null))
        {
            return PrivateMultiLabelResults.Pool(task, labels, sites);
        }

        var statistics = sites.Select(s => Read(s, labels)).ToList();
        var thresholds = sites.Select(s => s.MultiLabel!.Threshold).Distinct().ToList();
        if (thresholds.Count > 1)
        {
            // One bundle, one manifest threshold: sites that disagree did not run the same model.
            throw new InvalidDataException("the sites' multi-label results use different thresholds");
        }

        return Build(
            task,
            thresholds.Count == 0 ? 0 : thresholds[0],
            MultiLabelStatistics.Pool(labels, statistics),
            InputSummary.Sum(sites.Select(s => s.InputSummary)));
    }
}
