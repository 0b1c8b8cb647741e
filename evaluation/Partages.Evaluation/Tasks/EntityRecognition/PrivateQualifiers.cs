using Partages.Evaluation.Privacy;

namespace Partages.Evaluation.Results;

/// <summary>
/// The <c>span_qualifiers</c> counters as released under differential privacy, as the cells noised independently:
/// span_attribute per item (tp, fp, fn); normalisation per type (correct, wrong); ner_fragments per type (exact,
/// other entities, matched, other fragments). The released section's counts are sums of these cells, so reading
/// them back and pooling are additions. The probability histograms behind average precision are not released under
/// differential privacy (docs/ner.md): with a few spans per bin their ranking would drown in the noise.
/// </summary>
public sealed record NoisyQualifierCounts(NerQualifierSchema Schema, IReadOnlyDictionary<string, long[]> Cells)
{
    public static NoisyQualifierCounts FromCounts(NerQualifierCounts counts, IReadOnlyList<string> metrics)
    {
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentNullException.ThrowIfNull(metrics);
        var cells = new Dictionary<string, long[]>(StringComparer.Ordinal);
        var types = Enumerable.Range(0, counts.Types.Count).ToList();
        foreach (var metric in QualifierMetrics.All.Where(metrics.Contains))
        {
            cells[metric] = metric switch
            {
                QualifierMetrics.SpanAttribute => [.. Enumerable.Range(0, counts.Items.Count).SelectMany(i => new[] { counts.Tp[i], counts.Fp[i], counts.Fn[i] })],
                QualifierMetrics.Normalisation => [.. types.SelectMany(t => new[] { counts.CodesCorrect[t], counts.CodesWrong[t] })],
                _ => [.. types.SelectMany(t => new[] { counts.FragmentedExact[t], counts.FragmentedOther[t], counts.FragmentsMatched[t], counts.FragmentsOther[t] })],
            };
        }

        return new NoisyQualifierCounts(counts.Schema, cells);
    }

    /// <summary>A released section's cells, noisy or exact, in <paramref name="types"/>' order.</summary>
    /// <exception cref="InvalidDataException">An item or type is missing.</exception>
    public static NoisyQualifierCounts Read(QualifierSection section, IReadOnlyList<string> types)
    {
        ArgumentNullException.ThrowIfNull(section);
        return FromCounts(QualifierResults.Read(section, types, requireCounts: false), section.Metrics());
    }

    /// <summary>The sites' cells added; null when a site released none, or the sites released different metrics or declarations.</summary>
    public static NoisyQualifierCounts? Sum(IReadOnlyList<NoisyQualifierCounts?> sites, IReadOnlyList<QualifierSection?> sections)
    {
        ArgumentNullException.ThrowIfNull(sites);
        ArgumentNullException.ThrowIfNull(sections);
        if (sites.Count == 0 || sites.Any(s => s is null)
            || sections.Select(s => QualifierResults.Key(s).Split('|')[..3]).Select(k => string.Join("|", k)).Distinct(StringComparer.Ordinal).Count() != 1)
        {
            return null;
        }

        return sites[0]! with { Cells = NamedCells.Sum([.. sites.Select(s => s!.Cells)]) };
    }

    /// <summary>Each cell with noise added, of the variance stated for its metric.</summary>
    public NoisyQualifierCounts Noised(Func<string, long, long> noisy) =>
        this with { Cells = NamedCells.Noised(Cells, noisy) };
}

/// <summary>
/// The <c>span_qualifiers</c> section from noisy counts: each figure a point estimate with a 95 % interval that
/// includes the noise, or null (not estimable) where its denominator is not clearly above 0. span_attribute's P/R/F
/// are <see cref="NoisyRates"/>' over the items' (tp, fp, fn); the proportions are <see cref="NoisyProportion"/>'s
/// (overall: the types' cells summed, their variances with them).
/// </summary>
public static class PrivateQualifiers
{
    public static QualifierSection Section(IReadOnlyList<string> types, NoisyQualifierCounts counts, NoiseVariances variances)
    {
        ArgumentNullException.ThrowIfNull(types);
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentNullException.ThrowIfNull(variances);
        var section = new QualifierSection(counts.Schema.Attributes, counts.Schema.CodeSystem);
        foreach (var (metric, cells) in counts.Cells)
        {
            var variance = VarianceOf(variances, metric) ?? throw new ArgumentException($"The release states no noise variance for span_qualifiers.{metric}.", nameof(variances));
            section = metric switch
            {
                QualifierMetrics.SpanAttribute => section with { SpanAttribute = SpanAttribute(counts.Schema.ItemNames(), cells, variance) },
                QualifierMetrics.Normalisation => section with
                {
                    Normalisation = new NormalisationSection(
                        PerType(types, t => Proportion(cells[2 * t], cells[(2 * t) + 1], variance)),
                        Proportion(Sum(cells, 2, 0), Sum(cells, 2, 1), variance * types.Count)),
                },
                _ => section with
                {
                    Fragments = new FragmentsSection(
                        PerType(types, t => new FragmentScore(Proportion(cells[4 * t], cells[(4 * t) + 1], variance), Proportion(cells[(4 * t) + 2], cells[(4 * t) + 3], variance))),
                        new FragmentScore(
                            Proportion(Sum(cells, 4, 0), Sum(cells, 4, 1), variance * types.Count),
                            Proportion(Sum(cells, 4, 2), Sum(cells, 4, 3), variance * types.Count))),
                },
            };
        }

        return section;
    }

    public static double? VarianceOf(NoiseVariances variances, string metric) => metric switch
    {
        QualifierMetrics.SpanAttribute => variances.SpanAttributeCounts,
        QualifierMetrics.Normalisation => variances.NormalisationCounts,
        _ => variances.FragmentCounts,
    };

    private static SpanAttributeSection SpanAttribute(IReadOnlyList<string> items, long[] cells, double variance)
    {
        long[] Column(int c) => [.. Enumerable.Range(0, items.Count).Select(i => cells[(3 * i) + c])];
        var (tp, fp, fn) = (Column(0), Column(1), Column(2));
        var report = NoisyRates.Estimate(items, tp, fp, fn, variance);
        var perValue = new SortedDictionary<string, SpanAttributeScore>(StringComparer.Ordinal);
        var intervals = new SortedDictionary<string, ClassIntervals>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            var figures = report.PerClass[items[i]];
            perValue[items[i]] = new SpanAttributeScore(tp[i], tp[i] + fp[i], tp[i] + fn[i], figures.Precision.Estimate, figures.Recall.Estimate, figures.F1.Estimate, Ap: null);
            intervals[items[i]] = new ClassIntervals(Interval.From(figures.Precision), Interval.From(figures.Recall)) { F1 = Interval.From(figures.F1) };
        }

        var micro = report.Micro;
        var (tpSum, fpSum, fnSum) = (tp.Sum(), fp.Sum(), fn.Sum());
        return new SpanAttributeSection(perValue, new SpanAttributeScore(tpSum, tpSum + fpSum, tpSum + fnSum, micro.Precision.Estimate, micro.Recall.Estimate, micro.F1.Estimate, Ap: null))
        {
            PerValueIntervals = intervals,
            MicroIntervals = new ClassIntervals(Interval.From(micro.Precision), Interval.From(micro.Recall)) { F1 = Interval.From(micro.F1) },
        };
    }

    private static ProportionScore Proportion(long hits, long other, double cellVariance)
    {
        var estimate = NoisyProportion.Estimate(hits, other, cellVariance);
        return new ProportionScore(hits, hits + other, estimate.Estimate) { RateInterval = Interval.From(estimate) };
    }

    private static long Sum(long[] cells, int width, int offset) =>
        Enumerable.Range(0, cells.Length / width).Sum(t => cells[(width * t) + offset]);

    private static SortedDictionary<string, T> PerType<T>(IReadOnlyList<string> types, Func<int, T> score)
    {
        var perType = new SortedDictionary<string, T>(StringComparer.Ordinal);
        for (var t = 0; t < types.Count; t++)
        {
            perType[types[t]] = score(t);
        }

        return perType;
    }
}
