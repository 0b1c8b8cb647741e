using Partages.Evaluation.Privacy;

namespace Partages.Evaluation.Results;

/// <summary>
/// The counts of a multi-label result as released under differential privacy, in the evaluation's label order. Noisy
/// counts keep their sign: a negative count is noise on a small one, and clipping it would bias every sum.
/// </summary>
/// <param name="Cooccurrence">Gold label (row) against predicted label (column); its diagonal is <paramref name="Tp"/>.</param>
/// <param name="OtherDocuments">Documents not predicted exactly: n_documents − exact matches.</param>
public sealed record NoisyMultiLabelCounts(long[] Tp, long[] Fp, long[] Fn, long[] Tn, long ExactMatches, long OtherDocuments, long[][] Cooccurrence)
{
    public static NoisyMultiLabelCounts Sum(int labels, IEnumerable<NoisyMultiLabelCounts> sites)
    {
        ArgumentNullException.ThrowIfNull(sites);
        var sum = new NoisyMultiLabelCounts(new long[labels], new long[labels], new long[labels], new long[labels], 0, 0, [.. Enumerable.Range(0, labels).Select(_ => new long[labels])]);
        var (exact, other) = (0L, 0L);
        foreach (var site in sites)
        {
            for (var c = 0; c < labels; c++)
            {
                sum.Tp[c] += site.Tp[c];
                sum.Fp[c] += site.Fp[c];
                sum.Fn[c] += site.Fn[c];
                sum.Tn[c] += site.Tn[c];
                for (var p = 0; p < labels; p++)
                {
                    sum.Cooccurrence[c][p] += site.Cooccurrence[c][p];
                }
            }

            exact += site.ExactMatches;
            other += site.OtherDocuments;
        }

        return sum with { ExactMatches = exact, OtherDocuments = other };
    }
}

/// <summary>
/// Multi-label results from counts released under differential privacy: a site's noisy release, and the pool of
/// several (sites released exactly join with noise variance 0). Every figure is a point estimate with a 95 % interval
/// that includes the noise — per-label precision, recall and F1 and their averages (<see cref="NoisyRates"/>), subset
/// accuracy from the exact matches and the other documents (<see cref="NoisyProportion"/>) — or null, not estimable,
/// when its denominator is not clearly above the noise. Deterministic: the same counts give the same document.
/// </summary>
public static class PrivateMultiLabelResults
{
    /// <summary>Why a pool of noisy multi-label results has no <c>heterogeneity</c>.</summary>
    public const string HeterogeneityOmitted =
        "not computed from counts released under differential privacy: per-site variances would have to include each site's noise";

    /// <param name="release">Its differential privacy section gives the noise variance of the outcome counts.</param>
    /// <param name="summary">documents_read exact (public under replace-one); evaluated and skipped kinds noisy.</param>
    public static ResultDocument Build(
        string task,
        IReadOnlyList<string> labels,
        double threshold,
        NoisyMultiLabelCounts counts,
        InputSummary summary,
        ReleaseSection release)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentNullException.ThrowIfNull(release);
        var privacy = release.DifferentialPrivacy ?? throw new ArgumentException("A private result needs its differential privacy section.", nameof(release));
        var variance = privacy.NoiseVariance.OutcomeCounts;
        var rates = NoisyRates.Estimate(labels, counts.Tp, counts.Fp, counts.Fn, variance);
        var subsetAccuracy = NoisyProportion.Estimate(counts.ExactMatches, counts.OtherDocuments, variance);
        var perClass = new SortedDictionary<string, ClassMetrics>(StringComparer.Ordinal);
        var intervals = new Dictionary<string, ClassIntervals>(StringComparer.Ordinal);
        var matrix = counts.Cooccurrence.Select(row => row.ToArray()).ToArray();
        for (var c = 0; c < labels.Count; c++)
        {
            var figures = rates.PerClass[labels[c]];
            var (tp, fp, fn, tn) = (counts.Tp[c], counts.Fp[c], counts.Fn[c], counts.Tn[c]);
            perClass[labels[c]] = new ClassMetrics(figures.Precision.Estimate, figures.Recall.Estimate, figures.F1.Estimate, tp + fn, tp, fp, fn, tn);
            intervals[labels[c]] = new ClassIntervals(Interval.From(figures.Precision), Interval.From(figures.Recall)) { F1 = Interval.From(figures.F1) };
            // A document with label c in both sets is one tp of c and one diagonal cell: one count, released once.
            matrix[c][c] = tp;
        }

        return new ResultDocument
        {
            Task = task,
            NDocuments = counts.ExactMatches + counts.OtherDocuments,
            ConfusionMatrix = new ConfusionMatrixDto([.. labels], matrix),
            PerClass = perClass,
            Micro = Averaged(rates.Micro),
            Macro = Averaged(rates.Macro),
            Weighted = Averaged(rates.Weighted),
            Accuracy = subsetAccuracy.Estimate,
            InputSummary = summary,
            Intervals = new IntervalsSection(IntervalsSection.DpSimulationMethod, 0.95, Interval.From(subsetAccuracy), intervals)
            {
                MacroF1 = Interval.From(rates.Macro.F1),
                MicroF1 = Interval.From(rates.Micro.F1),
            },
            MultiLabel = new MultiLabelSection(threshold, counts.ExactMatches),
            Release = release,
        };
    }

    /// <summary>
    /// A released multi-label result's counts, noisy or exact, in <paramref name="labels"/>' order. Signs are not
    /// checked (noise makes small counts negative); the shape and the co-occurrence diagonal are.
    /// </summary>
    /// <exception cref="InvalidDataException">A section is missing, lacks a label, or the diagonal is not each label's tp.</exception>
    public static NoisyMultiLabelCounts Read(ResultDocument document, IReadOnlyList<string> labels)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(labels);
        var section = document.MultiLabel ?? throw new InvalidDataException("the multi-label result has no multi_label section");
        var l = labels.Count;
        var counts = new NoisyMultiLabelCounts(new long[l], new long[l], new long[l], new long[l], section.ExactMatches, document.NDocuments - section.ExactMatches, ReleasedCounts.SignedMatrix(document, labels));
        for (var c = 0; c < l; c++)
        {
            if (document.PerClass is null || !document.PerClass.TryGetValue(labels[c], out var metrics) || metrics is null)
            {
                throw new InvalidDataException($"per_class lacks label '{labels[c]}'");
            }

            (counts.Tp[c], counts.Fp[c], counts.Fn[c], counts.Tn[c]) = (metrics.Tp, metrics.Fp, metrics.Fn, metrics.Tn);
            if (counts.Cooccurrence[c][c] != metrics.Tp)
            {
                throw new InvalidDataException($"the co-occurrence diagonal of label '{labels[c]}' is not its tp");
            }
        }

        return counts;
    }

    /// <summary>
    /// Pools multi-label sites of which at least one released under differential privacy: every count adds, and so
    /// do the noise variances (each site's noise is independent; a site released exactly adds none).
    /// </summary>
    /// <exception cref="InvalidDataException">A site's sections are missing or malformed, or the sites used different thresholds.</exception>
    public static ResultDocument Pool(string task, IReadOnlyList<string> labels, IReadOnlyList<ResultDocument> sites)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(sites);
        var counts = NoisyMultiLabelCounts.Sum(labels.Count, sites.Select(s => Read(s, labels)).ToList());
        var thresholds = sites.Select(s => s.MultiLabel!.Threshold).Distinct().ToList();
        if (thresholds.Count > 1)
        {
            // One bundle, one manifest threshold: sites that disagree did not run the same model.
            throw new InvalidDataException("the sites' multi-label results use different thresholds");
        }

        var privacy = DifferentialPrivacyRelease.Pool(sites.Select(s => s.Release?.DifferentialPrivacy))
            ?? throw new ArgumentException("No site released under differential privacy.", nameof(sites));
        return Build(
            task,
            labels,
            thresholds.Count == 0 ? 0 : thresholds[0],
            counts,
            InputSummary.Sum(sites.Select(s => s.InputSummary)),
            new ReleaseSection { DifferentialPrivacy = privacy });
    }

    private static AveragedMetrics Averaged(NoisyAveragedMetrics figures) =>
        new(figures.Precision.Estimate, figures.Recall.Estimate, figures.F1.Estimate);
}
