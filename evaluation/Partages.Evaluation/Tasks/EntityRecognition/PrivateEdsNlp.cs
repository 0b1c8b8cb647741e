using Partages.Evaluation.Metrics;
using Partages.Evaluation.Privacy;

namespace Partages.Evaluation.Results;

/// <summary>
/// The EDS-NLP counters as released under differential privacy, per metric asked and per type, as the cells that are
/// noised independently (docs/ner.md, "EDS-NLP metrics"): ner_exact and ner_token (tp, positives − tp, support − tp),
/// ner_overlap (true predictions, positives − true predictions, true gold, support − true gold). The released
/// section's counters are sums of these cells, so reading them back and pooling are additions. Noisy cells keep their sign.
/// </summary>
public sealed record NoisyEdsNlpCounts(double OverlapThreshold, int? MaxTokensPerReport, IReadOnlyDictionary<string, long[]> Cells)
{
    /// <summary>Cells per type of one metric.</summary>
    public static int CellsPerType(string metric) => metric == EdsNlpMetrics.Overlap ? NoisyOverlapRates.CellsPerType : 3;

    /// <summary>The cells of exact counts (a site's, before noise) for the metrics asked.</summary>
    public static NoisyEdsNlpCounts FromCounts(EdsNlpNerCounts counts, IReadOnlyList<string> metrics, int? maxTokensPerReport)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var cells = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var metric in EdsNlpMetrics.All.Where(metrics.Contains))
        {
            // ner_overlap's positives and support are ner_exact's (EDS-NLP's); ner_token has its own.
            var (tp, positives, support) = metric == EdsNlpMetrics.Token
                ? (EdsNlpNerCounts.TokenTp, EdsNlpNerCounts.TokenPositives, EdsNlpNerCounts.TokenSupport)
                : (metric == EdsNlpMetrics.Exact ? EdsNlpNerCounts.ExactTp : EdsNlpNerCounts.OverlapTruePred, EdsNlpNerCounts.ExactPositives, EdsNlpNerCounts.ExactSupport);
            cells[metric] = [.. Enumerable.Range(0, counts.Types.Count).SelectMany(t => CellsOf(
                metric,
                new EdsNlpScore(counts[t, tp], counts[t, positives], counts[t, support], metric == EdsNlpMetrics.Overlap ? counts[t, EdsNlpNerCounts.OverlapTrueGold] : null, null, null, null)))];
        }

        return new NoisyEdsNlpCounts(counts.OverlapThreshold, maxTokensPerReport, cells);
    }

    /// <summary>A released <c>edsnlp</c> section's cells, noisy or exact, in <paramref name="types"/>' order.</summary>
    /// <exception cref="InvalidDataException">A metric is unknown or lacks a type, or ner_overlap lacks its true gold count.</exception>
    public static NoisyEdsNlpCounts Read(EdsNlpSection section, IReadOnlyList<string> types)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(types);
        var cells = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var (metric, released) in section.Metrics ?? new Dictionary<string, EdsNlpMetricSection>())
        {
            if (!EdsNlpMetrics.All.Contains(metric, StringComparer.Ordinal))
            {
                throw new InvalidDataException($"edsnlp.{metric} is not an EDS-NLP metric (known: {string.Join(", ", EdsNlpMetrics.All)})");
            }

            cells[metric] = [.. types.SelectMany(type => released?.PerType is not null && released.PerType.TryGetValue(type, out var score) && score is not null
                && (metric != EdsNlpMetrics.Overlap || score.TrueGold is not null)
                ? CellsOf(metric, score)
                : throw new InvalidDataException($"edsnlp.{metric}.per_type lacks entity type '{type}' or one of its counts"))];
        }

        return new NoisyEdsNlpCounts(section.OverlapThreshold, section.MaxTokensPerReport, cells);
    }

    /// <summary>
    /// The sites' cells added: the union's plus the sum of their noise. Null when a site released none, or the sites
    /// released different metrics, thresholds or token bounds (then the sum would not be the union's).
    /// </summary>
    public static NoisyEdsNlpCounts? Sum(IReadOnlyList<NoisyEdsNlpCounts?> sites)
    {
        ArgumentNullException.ThrowIfNull(sites);
        if (sites.Count == 0 || sites.Any(s => s is null)
            || sites.Select(s => (s!.OverlapThreshold, s.MaxTokensPerReport, string.Join(",", s.Cells.Keys.Order(StringComparer.Ordinal)))).Distinct().Count() != 1)
        {
            return null;
        }

        return sites[0]! with { Cells = NamedCells.Sum([.. sites.Select(s => s!.Cells)]) };
    }

    /// <summary>Each cell with noise added, of the variance given for its metric.</summary>
    public NoisyEdsNlpCounts Noised(Func<string, long, long> noisy) =>
        this with { Cells = NamedCells.Noised(Cells, noisy) };

    /// <summary>The released counters of one type (or micro) of one metric from its cells.</summary>
    internal static EdsNlpScore Counters(string metric, ReadOnlySpan<long> cells) => metric == EdsNlpMetrics.Overlap
        ? new EdsNlpScore(cells[0], cells[0] + cells[1], cells[2] + cells[3], cells[2], null, null, null)
        : new EdsNlpScore(cells[0], cells[0] + cells[1], cells[0] + cells[2], null, null, null, null);

    private static long[] CellsOf(string metric, EdsNlpScore s) => metric == EdsNlpMetrics.Overlap
        ? [s.Tp, s.Positives - s.Tp, s.TrueGold!.Value, s.Support - s.TrueGold.Value]
        : [s.Tp, s.Positives - s.Tp, s.Support - s.Tp];
}

/// <summary>
/// The <c>edsnlp</c> section from noisy counts: every figure a point estimate with a 95 % interval including the
/// noise, or null (not estimable) where its denominator is not clearly above 0. ner_exact and ner_token are
/// <see cref="NoisyRates"/>' per-class and micro figures over (tp, fp, fn) — EDS-NLP's p, r and f = 2tp / (positives
/// + support) are exactly those; ner_overlap's come from <see cref="NoisyOverlapRates"/>.
/// </summary>
public static class PrivateEdsNlp
{
    /// <param name="variances">The release's noise variances; each metric's must be stated.</param>
    public static EdsNlpSection Section(IReadOnlyList<string> types, NoisyEdsNlpCounts counts, NoiseVariances variances)
    {
        ArgumentNullException.ThrowIfNull(types);
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentNullException.ThrowIfNull(variances);
        var metrics = new SortedDictionary<string, EdsNlpMetricSection>(StringComparer.Ordinal);
        foreach (var (metric, cells) in counts.Cells)
        {
            var variance = VarianceOf(variances, metric) ?? throw new ArgumentException($"The release states no noise variance for edsnlp.{metric}.", nameof(variances));
            var width = NoisyEdsNlpCounts.CellsPerType(metric);
            IReadOnlyList<NoisyAveragedMetrics> figures = metric == EdsNlpMetrics.Overlap
                ? NoisyOverlapRates.Estimate(types, cells, variance)
                : Rates(types, cells, variance);
            var micro = new long[width];
            var perType = new SortedDictionary<string, EdsNlpScore>(StringComparer.Ordinal);
            var intervals = new SortedDictionary<string, ClassIntervals>(StringComparer.Ordinal);
            for (var t = 0; t < types.Count; t++)
            {
                var own = cells.AsSpan(width * t, width);
                for (var c = 0; c < width; c++)
                {
                    micro[c] += own[c];
                }

                perType[types[t]] = WithFigures(NoisyEdsNlpCounts.Counters(metric, own), figures[t]);
                intervals[types[t]] = Intervals(figures[t]);
            }

            metrics[metric] = new EdsNlpMetricSection(perType, WithFigures(NoisyEdsNlpCounts.Counters(metric, micro), figures[types.Count]))
            {
                PerTypeIntervals = intervals,
                MicroIntervals = Intervals(figures[types.Count]),
            };
        }

        return new EdsNlpSection(counts.OverlapThreshold, metrics) { MaxTokensPerReport = counts.MaxTokensPerReport };
    }

    /// <summary>The noise variance of one metric's cells.</summary>
    public static double? VarianceOf(NoiseVariances variances, string metric) => metric switch
    {
        EdsNlpMetrics.Exact => variances.EdsNlpExactCounts,
        EdsNlpMetrics.Token => variances.EdsNlpTokenCounts,
        _ => variances.EdsNlpOverlapCounts,
    };

    /// <summary>ner_exact or ner_token: NoisyRates over (tp, fp, fn) per type; its micro is EDS-NLP's.</summary>
    private static NoisyAveragedMetrics[] Rates(IReadOnlyList<string> types, long[] cells, double variance)
    {
        long[] Column(int c) => [.. Enumerable.Range(0, types.Count).Select(t => cells[3 * t + c])];
        var report = NoisyRates.Estimate(types, Column(0), Column(1), Column(2), variance);
        return [.. types.Select(t => new NoisyAveragedMetrics(report.PerClass[t].Precision, report.PerClass[t].Recall, report.PerClass[t].F1)), report.Micro];
    }

    private static EdsNlpScore WithFigures(EdsNlpScore counters, NoisyAveragedMetrics figures) =>
        counters with { Precision = figures.Precision.Estimate, Recall = figures.Recall.Estimate, F1 = figures.F1.Estimate };

    private static ClassIntervals Intervals(NoisyAveragedMetrics figures) =>
        new(Interval.From(figures.Precision), Interval.From(figures.Recall)) { F1 = Interval.From(figures.F1) };
}
