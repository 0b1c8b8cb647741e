using System.Text.Json.Serialization;

namespace Partages.Evaluation.Results;

/// <summary>
/// One type's (or micro) figures under one EDS-NLP metric: the counters and EDS-NLP's precision, recall and F1 from
/// them. <see cref="Tp"/> is EDS-NLP's <c>tp</c> (for ner_overlap the true predictions), <see cref="Positives"/> its
/// <c>positives</c> (predicted), <see cref="Support"/> its <c>support</c> (gold).
/// </summary>
/// <param name="TrueGold">ner_overlap only: gold spans matched (its recall's numerator).</param>
public sealed record EdsNlpScore(long Tp, long Positives, long Support, long? TrueGold, double? Precision, double? Recall, double? F1)
{
    /// <summary>
    /// ner_exact and ner_token (EDS-NLP's <c>prf</c>): p = tp / positives, r = tp / support, f = 2tp / (positives +
    /// support). Where EDS-NLP writes 1 for a ratio over 0 (p with no prediction, r with no gold) and f = 0 for empty
    /// against empty, Partages writes null, not estimable (docs/ner.md).
    /// </summary>
    public static EdsNlpScore Set(long tp, long positives, long support) => new(
        tp,
        positives,
        support,
        null,
        positives == 0 ? null : (double)tp / positives,
        support == 0 ? null : (double)tp / support,
        positives + support == 0 ? null : 2.0 * tp / (positives + support));

    /// <summary>
    /// ner_overlap: p = true predictions / positives, r = true gold / support, f = 2 / (positives / true predictions +
    /// support / true gold), 0 when either is 0 (EDS-NLP's), null when positives or support is 0.
    /// </summary>
    public static EdsNlpScore Overlap(long truePredictions, long trueGold, long positives, long support) => new(
        truePredictions,
        positives,
        support,
        trueGold,
        positives == 0 ? null : (double)truePredictions / positives,
        support == 0 ? null : (double)trueGold / support,
        positives == 0 || support == 0 ? null
            : truePredictions > 0 && trueGold > 0 ? 2.0 / (((double)positives / truePredictions) + ((double)support / trueGold)) : 0);
}

/// <summary>One EDS-NLP metric: per type, and micro (the counters summed over types).</summary>
public sealed record EdsNlpMetricSection(IReadOnlyDictionary<string, EdsNlpScore> PerType, EdsNlpScore Micro)
{
    /// <summary>Under differential privacy: each type's 95 % intervals (noise included); null for exact counts.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, ClassIntervals>? PerTypeIntervals { get; init; }

    /// <summary>Under differential privacy: micro's 95 % intervals (noise included); null for exact counts.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ClassIntervals? MicroIntervals { get; init; }
}

/// <summary>
/// <c>edsnlp</c>: the EDS-NLP metrics the spec asked for (docs/ner.md, "EDS-NLP metrics"), with the Dice threshold of
/// ner_overlap. Its sufficient statistic is <see cref="EdsNlpNerCounts"/>'s eight counters per type.
/// </summary>
public sealed record EdsNlpSection(double OverlapThreshold, IReadOnlyDictionary<string, EdsNlpMetricSection> Metrics)
{
    /// <summary>Under differential privacy: words per report counted by ner_token (its first W tokens); null when every token counts.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? MaxTokensPerReport { get; init; }
}

/// <summary>Writes and reads back the <c>edsnlp</c> section.</summary>
public static class EdsNlpResults
{
    /// <summary>The section for the metrics asked (a subset of <see cref="EdsNlpMetrics.All"/>), from the counts.</summary>
    public static EdsNlpSection Section(EdsNlpNerCounts counts, IReadOnlyList<string> metrics)
    {
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentNullException.ThrowIfNull(metrics);
        var sections = new SortedDictionary<string, EdsNlpMetricSection>(StringComparer.Ordinal);
        var types = counts.Types;
        long Sum(int counter) => Enumerable.Range(0, types.Count).Sum(t => counts[t, counter]);
        foreach (var metric in EdsNlpMetrics.All.Where(metrics.Contains))
        {
            var perType = new SortedDictionary<string, EdsNlpScore>(StringComparer.Ordinal);
            for (var t = 0; t < types.Count; t++)
            {
                perType[types[t]] = Score(metric, c => counts[t, c]);
            }

            sections[metric] = new EdsNlpMetricSection(perType, Score(metric, Sum));
        }

        return new EdsNlpSection(counts.OverlapThreshold, sections);
    }

    /// <summary>
    /// The counters released in <paramref name="section"/>, in <paramref name="types"/>' order; counters of metrics not
    /// asked stay 0.
    /// </summary>
    /// <param name="requireCounts">Exact counts: every counter ≥ 0 and tp within positives and support. Noisy ones keep their sign.</param>
    /// <exception cref="InvalidDataException">A metric lacks a type, or the counters are impossible (the message names the type, never a count).</exception>
    public static EdsNlpNerCounts Read(EdsNlpSection section, IReadOnlyList<string> types, bool requireCounts)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(types);
        EdsNlpNerCounts counts;
        try
        {
            counts = new EdsNlpNerCounts(types, section.OverlapThreshold);
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new InvalidDataException("edsnlp.overlap_threshold is not in (0, 1]", ex);
        }

        foreach (var (metric, released) in section.Metrics ?? new Dictionary<string, EdsNlpMetricSection>())
        {
            if (!EdsNlpMetrics.All.Contains(metric, StringComparer.Ordinal))
            {
                throw new InvalidDataException($"edsnlp.{metric} is not an EDS-NLP metric (known: {string.Join(", ", EdsNlpMetrics.All)})");
            }

            for (var t = 0; t < types.Count; t++)
            {
                if (released?.PerType is null || !released.PerType.TryGetValue(types[t], out var score) || score is null)
                {
                    throw new InvalidDataException($"edsnlp.{metric}.per_type lacks entity type '{types[t]}'");
                }

                var consistent = score.Tp >= 0 && score.Tp <= score.Positives && (metric == EdsNlpMetrics.Overlap
                    ? score.TrueGold is { } g && g >= 0 && g <= score.Support
                    : score.Tp <= score.Support);
                if (requireCounts && !consistent)
                {
                    throw new InvalidDataException($"edsnlp.{metric}: counts for type '{types[t]}' are impossible (a true count above its positives or support)");
                }

                switch (metric)
                {
                    case EdsNlpMetrics.Exact:
                        (counts[t, EdsNlpNerCounts.ExactTp], counts[t, EdsNlpNerCounts.ExactPositives], counts[t, EdsNlpNerCounts.ExactSupport]) = (score.Tp, score.Positives, score.Support);
                        break;
                    case EdsNlpMetrics.Token:
                        (counts[t, EdsNlpNerCounts.TokenTp], counts[t, EdsNlpNerCounts.TokenPositives], counts[t, EdsNlpNerCounts.TokenSupport]) = (score.Tp, score.Positives, score.Support);
                        break;
                    default:
                        (counts[t, EdsNlpNerCounts.OverlapTruePred], counts[t, EdsNlpNerCounts.OverlapTrueGold]) = (score.Tp, score.TrueGold ?? 0);
                        (counts[t, EdsNlpNerCounts.ExactPositives], counts[t, EdsNlpNerCounts.ExactSupport]) = (score.Positives, score.Support);
                        break;
                }
            }
        }

        return counts;
    }

    /// <summary>The metrics a section holds, in <see cref="EdsNlpMetrics.All"/>' order.</summary>
    public static IReadOnlyList<string> MetricsOf(EdsNlpSection section) =>
        [.. EdsNlpMetrics.All.Where(m => section?.Metrics?.ContainsKey(m) == true)];

    private static EdsNlpScore Score(string metric, Func<int, long> counter) => metric switch
    {
        EdsNlpMetrics.Exact => EdsNlpScore.Set(counter(EdsNlpNerCounts.ExactTp), counter(EdsNlpNerCounts.ExactPositives), counter(EdsNlpNerCounts.ExactSupport)),
        EdsNlpMetrics.Token => EdsNlpScore.Set(counter(EdsNlpNerCounts.TokenTp), counter(EdsNlpNerCounts.TokenPositives), counter(EdsNlpNerCounts.TokenSupport)),
        _ => EdsNlpScore.Overlap(counter(EdsNlpNerCounts.OverlapTruePred), counter(EdsNlpNerCounts.OverlapTrueGold), counter(EdsNlpNerCounts.ExactPositives), counter(EdsNlpNerCounts.ExactSupport)),
    };
}
