using System.Text.Json.Serialization;

namespace Partages.Evaluation.Results;

/// <summary>One item's (<c>attribute=value</c>) or micro span_attribute figures: EDS-NLP's counters, P/R/F and average precision.</summary>
/// <param name="Ap">Average precision from the probability histograms (exact releases; null under differential privacy, where they are not released).</param>
/// <param name="TpByBin">The true items by bin of the predicted value's probability (<see cref="QualifierMetrics.ProbabilityBins"/> bins, increasing); exact releases only.</param>
/// <param name="FpByBin">The false items by bin, as <paramref name="TpByBin"/>.</param>
public sealed record SpanAttributeScore(
    long Tp,
    long Positives,
    long Support,
    double? Precision,
    double? Recall,
    double? F1,
    double? Ap,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<long>? TpByBin = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<long>? FpByBin = null);

/// <summary><c>span_attribute</c>: per item and micro (all items together).</summary>
public sealed record SpanAttributeSection(IReadOnlyDictionary<string, SpanAttributeScore> PerValue, SpanAttributeScore Micro)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, ClassIntervals>? PerValueIntervals { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ClassIntervals? MicroIntervals { get; init; }
}

/// <summary>A proportion with its two cells: <paramref name="Hits"/> of <paramref name="Total"/>; null when not estimable; its interval under DP.</summary>
public sealed record ProportionScore(long Hits, long Total, double? Rate)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Interval? RateInterval { get; init; }

    public static ProportionScore Of(long hits, long total) => new(hits, total, total > 0 ? (double)hits / total : null);
}

/// <summary><c>normalisation</c>: per type and overall, matched gold spans with a code whose code was predicted.</summary>
public sealed record NormalisationSection(IReadOnlyDictionary<string, ProportionScore> PerType, ProportionScore Overall);

/// <summary><c>ner_fragments</c>: discontinuous gold entities predicted fragment by fragment, per type and overall.</summary>
/// <param name="Entities">Discontinuous entities with every fragment predicted exactly, of all of them.</param>
/// <param name="Fragments">Their fragments predicted exactly (each entity's first <see cref="QualifierMetrics.MaxFragmentsPerEntity"/>).</param>
public sealed record FragmentScore(ProportionScore Entities, ProportionScore Fragments);

public sealed record FragmentsSection(IReadOnlyDictionary<string, FragmentScore> PerType, FragmentScore Overall);

/// <summary>
/// <c>span_qualifiers</c>: what the spec asked of <see cref="QualifierMetrics"/>, with the bundle's declarations the
/// counts are keyed by (attributes and values; the code system), so that sites' sections are checked to agree before
/// they are pooled. Only the metrics asked are present.
/// </summary>
public sealed record QualifierSection(IReadOnlyList<NerAttribute> Attributes, string? CodeSystem)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SpanAttributeSection? SpanAttribute { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public NormalisationSection? Normalisation { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public FragmentsSection? Fragments { get; init; }

    /// <summary>The metrics the section holds, in <see cref="QualifierMetrics.All"/>' order.</summary>
    public IReadOnlyList<string> Metrics() =>
        [.. QualifierMetrics.All.Where(m => m switch
        {
            QualifierMetrics.SpanAttribute => SpanAttribute is not null,
            QualifierMetrics.Normalisation => Normalisation is not null,
            _ => Fragments is not null,
        })];

    /// <summary>What the counts were keyed by (the code list itself is not needed to read the counts back).</summary>
    public NerQualifierSchema Schema() => new(Attributes ?? [], CodeSystem, []);
}

/// <summary>Writes, reads back and pools the <c>span_qualifiers</c> section from exact counts.</summary>
public static class QualifierResults
{
    public static QualifierSection Section(NerQualifierCounts counts, IReadOnlyList<string> metrics)
    {
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentNullException.ThrowIfNull(metrics);
        var section = new QualifierSection(counts.Schema.Attributes, counts.Schema.CodeSystem);
        if (metrics.Contains(QualifierMetrics.SpanAttribute))
        {
            var perValue = new SortedDictionary<string, SpanAttributeScore>(StringComparer.Ordinal);
            for (var i = 0; i < counts.Items.Count; i++)
            {
                perValue[counts.ItemNames[i]] = AttributeScore(counts.Tp[i], counts.Fp[i], counts.Fn[i], counts.TpBins[i], counts.FpBins[i]);
            }

            var bins = Enumerable.Range(0, QualifierMetrics.ProbabilityBins);
            var micro = AttributeScore(
                counts.Tp.Sum(),
                counts.Fp.Sum(),
                counts.Fn.Sum(),
                [.. bins.Select(b => counts.TpBins.Sum(h => h[b]))],
                [.. bins.Select(b => counts.FpBins.Sum(h => h[b]))]);
            section = section with { SpanAttribute = new SpanAttributeSection(perValue, micro) };
        }

        if (metrics.Contains(QualifierMetrics.Normalisation))
        {
            section = section with
            {
                Normalisation = new NormalisationSection(
                    PerType(counts.Types, t => ProportionScore.Of(counts.CodesCorrect[t], counts.CodesCorrect[t] + counts.CodesWrong[t])),
                    ProportionScore.Of(counts.CodesCorrect.Sum(), counts.CodesCorrect.Sum() + counts.CodesWrong.Sum())),
            };
        }

        if (metrics.Contains(QualifierMetrics.Fragments))
        {
            FragmentScore Score(long exact, long other, long matched, long missed) =>
                new(ProportionScore.Of(exact, exact + other), ProportionScore.Of(matched, matched + missed));
            section = section with
            {
                Fragments = new FragmentsSection(
                    PerType(counts.Types, t => Score(counts.FragmentedExact[t], counts.FragmentedOther[t], counts.FragmentsMatched[t], counts.FragmentsOther[t])),
                    Score(counts.FragmentedExact.Sum(), counts.FragmentedOther.Sum(), counts.FragmentsMatched.Sum(), counts.FragmentsOther.Sum())),
            };
        }

        return section;
    }

    /// <summary>EDS-NLP's prf (null, not estimable, where it writes 1 or 0 for a ratio over 0) and AP from the bins.</summary>
    public static SpanAttributeScore AttributeScore(long tp, long fp, long fn, IReadOnlyList<long>? tpBins, IReadOnlyList<long>? fpBins)
    {
        var (positives, support) = (tp + fp, tp + fn);
        return new SpanAttributeScore(
            tp,
            positives,
            support,
            positives == 0 ? null : (double)tp / positives,
            support == 0 ? null : (double)tp / support,
            positives + support == 0 ? null : 2.0 * tp / (positives + support),
            tpBins is null || fpBins is null ? null : NerQualifierCounts.AveragePrecision(tpBins, fpBins, support),
            tpBins,
            fpBins);
    }

    /// <summary>The counts a section released, in <paramref name="types"/>' order (metrics not released stay 0).</summary>
    /// <param name="requireCounts">Exact counts: non-negative, the bins summing to tp and fp. Noisy ones keep their sign.</param>
    /// <exception cref="InvalidDataException">An item or type is missing, or the counts are impossible (the message names where, never a count).</exception>
    public static NerQualifierCounts Read(QualifierSection section, IReadOnlyList<string> types, bool requireCounts)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(types);
        var schema = section.Schema();
        foreach (var attribute in schema.Attributes)
        {
            if (attribute?.Values is null || (attribute.Default is not null && attribute.DefaultIndex < 0))
            {
                throw new InvalidDataException("span_qualifiers.attributes: an attribute lacks its values or its default is not among them");
            }
        }

        var counts = new NerQualifierCounts(types, schema);
        if (section.SpanAttribute is { } attributes)
        {
            for (var i = 0; i < counts.Items.Count; i++)
            {
                var name = counts.ItemNames[i];
                if (attributes.PerValue is null || !attributes.PerValue.TryGetValue(name, out var score) || score is null)
                {
                    throw new InvalidDataException($"span_qualifiers.span_attribute.per_value lacks '{name}'");
                }

                (counts.Tp[i], counts.Fp[i], counts.Fn[i]) = (score.Tp, score.Positives - score.Tp, score.Support - score.Tp);
                if (score.TpByBin is { } tpBins && score.FpByBin is { } fpBins)
                {
                    if (tpBins.Count != QualifierMetrics.ProbabilityBins || fpBins.Count != QualifierMetrics.ProbabilityBins)
                    {
                        throw new InvalidDataException($"span_qualifiers.span_attribute.per_value.{name}: the histograms do not have {QualifierMetrics.ProbabilityBins} bins");
                    }

                    tpBins.ToArray().CopyTo(counts.TpBins[i], 0);
                    fpBins.ToArray().CopyTo(counts.FpBins[i], 0);
                }

                if (requireCounts && (counts.Tp[i] < 0 || counts.Fp[i] < 0 || counts.Fn[i] < 0
                    || (score.TpByBin is not null && (counts.TpBins[i].Sum() != counts.Tp[i] || counts.FpBins[i].Sum() != counts.Fp[i] || counts.TpBins[i].Any(c => c < 0) || counts.FpBins[i].Any(c => c < 0)))))
                {
                    throw new InvalidDataException($"span_qualifiers.span_attribute: counts for '{name}' are impossible (a true count above its positives or support, or histograms that do not sum to them)");
                }
            }
        }

        for (var t = 0; t < types.Count; t++)
        {
            if (section.Normalisation is { } normalisation)
            {
                var score = Lookup(normalisation.PerType, types[t], "normalisation");
                (counts.CodesCorrect[t], counts.CodesWrong[t]) = Cells(score, requireCounts, $"normalisation, type '{types[t]}'");
            }

            if (section.Fragments is { } fragments)
            {
                var score = Lookup(fragments.PerType, types[t], "fragments");
                (counts.FragmentedExact[t], counts.FragmentedOther[t]) = Cells(score.Entities, requireCounts, $"fragments, type '{types[t]}'");
                (counts.FragmentsMatched[t], counts.FragmentsOther[t]) = Cells(score.Fragments, requireCounts, $"fragments, type '{types[t]}'");
            }
        }

        return counts;
    }

    /// <summary>
    /// The sites' exact sections added: the union's, when every site released the same metrics over the same
    /// attributes and code system; else null, named in <paramref name="omitted"/>.
    /// </summary>
    public static QualifierSection? Pool(IReadOnlyList<string> types, IReadOnlyList<QualifierSection?> sites, ICollection<OmittedSection>? omitted)
    {
        ArgumentNullException.ThrowIfNull(sites);
        if (!sites.Any(s => s is not null))
        {
            return null;
        }

        if (sites.Any(s => s is null) || sites.Select(Key).Distinct(StringComparer.Ordinal).Count() > 1)
        {
            omitted?.Add(new OmittedSection("span_qualifiers", "the sites did not all release the same attribute, normalisation and fragment metrics over the same declarations, and a pool of some would not be the union's"));
            return null;
        }

        var first = sites[0]!;
        var pooled = NerQualifierCounts.Pool(types, first.Schema(), sites.Select(s => Read(s!, types, requireCounts: true)));
        return Section(pooled, first.Metrics());
    }

    /// <summary>Metrics, attributes and code system of a section, to tell whether two sections pool.</summary>
    internal static string Key(QualifierSection? section) => section is null ? string.Empty
        : string.Join(",", section.Metrics()) + "|" + string.Join(",", section.Schema().ItemNames()) + "|" + section.CodeSystem
            + "|" + (section.SpanAttribute?.Micro.TpByBin is null ? "noisy" : "bins");

    private static SortedDictionary<string, T> PerType<T>(IReadOnlyList<string> types, Func<int, T> score)
    {
        var perType = new SortedDictionary<string, T>(StringComparer.Ordinal);
        for (var t = 0; t < types.Count; t++)
        {
            perType[types[t]] = score(t);
        }

        return perType;
    }

    private static T Lookup<T>(IReadOnlyDictionary<string, T>? perType, string type, string metric) =>
        perType is not null && perType.TryGetValue(type, out var score) && score is not null
            ? score
            : throw new InvalidDataException($"span_qualifiers.{metric}.per_type lacks entity type '{type}'");

    private static (long Hits, long Other) Cells(ProportionScore? score, bool requireCounts, string where)
    {
        if (score is null)
        {
            throw new InvalidDataException($"span_qualifiers.{where}: a count is missing");
        }

        if (requireCounts && (score.Hits < 0 || score.Hits > score.Total))
        {
            throw new InvalidDataException($"span_qualifiers.{where}: counts are impossible (hits above their total)");
        }

        return (score.Hits, score.Total - score.Hits);
    }
}
