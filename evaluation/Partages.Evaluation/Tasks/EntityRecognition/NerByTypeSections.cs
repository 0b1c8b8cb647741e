using System.Text.Json.Serialization;
using Partages.Evaluation.Bundles;

namespace Partages.Evaluation.Results;

/// <summary>
/// One scheme of <c>schemes_by_type</c>: nervaluate 1.x's per-type figures, each type's gold and predicted entities
/// matched alone (docs/ner.md, "Entity matching"). No overall: nervaluate 1.x's overall matches all types together and
/// is <c>schemes.&lt;scheme&gt;.overall</c>, not the sum of these.
/// </summary>
public sealed record NerTypeSchemesSection(IReadOnlyDictionary<string, NerSchemeMetrics> PerType)
{
    /// <summary>Under differential privacy: each type's 95 % intervals (noise and sampling error); absent otherwise.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, ClassIntervals>? PerTypeIntervals { get; init; }
}

/// <summary>
/// Writes, reads back and checks <c>schemes_by_type</c>, the second count vector of a nervaluate-1 result. Its
/// sufficient statistic is, per type matched alone, A1 (same span), A3 (overlap), A5 (missed) and A6 (spurious):
/// a prediction can only meet a gold entity of its own type, so A2 and A4 are 0 and strict = exact =
/// (A1, A3, 0, A5, A6), partial = (A1, 0, A3, A5, A6), type = (A1 + A3, 0, 0, A5, A6). Held as
/// <see cref="NerOutcomes"/> whose boundary matrix is diagonal and whose A4 is 0.
/// </summary>
public static class NerByType
{
    /// <summary>The section, one scheme at a time, from the per-type outcomes.</summary>
    public static IReadOnlyDictionary<string, NerTypeSchemesSection> Section(IReadOnlyList<string> types, NerOutcomes perType)
    {
        ArgumentNullException.ThrowIfNull(types);
        ArgumentNullException.ThrowIfNull(perType);
        var section = new SortedDictionary<string, NerTypeSchemesSection>(StringComparer.Ordinal);
        foreach (var scheme in NerSchemes.All)
        {
            var rows = new SortedDictionary<string, NerSchemeMetrics>(StringComparer.Ordinal);
            for (var t = 0; t < types.Count; t++)
            {
                rows[types[t]] = NerSchemeMetrics.From(scheme, perType.Scheme(scheme, t));
            }

            section[scheme] = new NerTypeSchemesSection(rows);
        }

        return section;
    }

    /// <summary>
    /// The per-type outcomes released in <c>schemes_by_type</c>, in <paramref name="types"/>' order, every identity
    /// checked; null when the document has no such section.
    /// </summary>
    /// <param name="requireCounts">Exact counts: every outcome ≥ 0. Noisy counts keep their sign, so false for them.</param>
    /// <exception cref="InvalidDataException">A scheme or a type is missing, or the counts break an identity (the message names it, never a count).</exception>
    public static NerOutcomes? Read(ResultDocument document, IReadOnlyList<string> types, bool requireCounts)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(types);
        if (document.SchemesByType is not { } section)
        {
            return null;
        }

        var released = new Dictionary<string, NerOutcomeCounts[]>(StringComparer.Ordinal);
        foreach (var scheme in NerSchemes.All)
        {
            if (!section.TryGetValue(scheme, out var rows) || rows?.PerType is null)
            {
                throw new InvalidDataException($"schemes_by_type.{scheme} is missing");
            }

            released[scheme] = [.. types.Select(type => rows.PerType.TryGetValue(type, out var metrics) && metrics is not null
                ? metrics.ToCounts()
                : throw new InvalidDataException($"schemes_by_type.{scheme}.per_type lacks entity type '{type}'"))];
        }

        // Types matched alone never pair two types: the boundary matrix is the diagonal of strict.correct.
        var diagonal = types.Select((_, t) => types.Select((_, p) => p == t ? released[NerSchemes.Strict][t].Correct : 0L).ToArray()).ToArray();
        NerOutcomes outcomes;
        try
        {
            outcomes = NerOutcomes.FromSchemes(types, (scheme, t) => released[scheme][t], diagonal, requireCounts);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException("schemes_by_type: " + ex.Message, ex);
        }

        for (var t = 0; t < types.Count; t++)
        {
            if (outcomes.OverlapOtherType[t] != 0 || released[NerSchemes.Exact][t].Correct != released[NerSchemes.Strict][t].Correct)
            {
                throw new InvalidDataException($"schemes_by_type: counts for type '{types[t]}' pair it with another type, which a type matched alone cannot");
            }
        }

        return outcomes;
    }

    /// <summary>
    /// Exact counts only: the gold entities of each type are the same whether matched with the other types or alone
    /// (each counted gold entity is in exactly one cell of either: its pair's or missed).
    /// </summary>
    /// <exception cref="InvalidDataException">A type's gold entities differ between the two.</exception>
    public static void CheckSameGold(IReadOnlyList<string> types, NerOutcomes together, NerOutcomes perType)
    {
        ArgumentNullException.ThrowIfNull(types);
        ArgumentNullException.ThrowIfNull(together);
        ArgumentNullException.ThrowIfNull(perType);
        for (var t = 0; t < types.Count; t++)
        {
            var gold = together.Boundaries[t].Sum() + together.OverlapSameType[t] + together.OverlapOtherType[t] + together.Missed[t];
            var goldAlone = perType.Boundaries[t][t] + perType.OverlapSameType[t] + perType.Missed[t];
            if (gold != goldAlone)
            {
                throw new InvalidDataException($"counts for type '{types[t]}' break an identity of nervaluate 1.x (the gold entities matched with all types and alone differ)");
            }
        }
    }

    /// <summary>The rule the sites counted with; they must agree, or their counts would not add up to one rule's.</summary>
    /// <exception cref="InvalidDataException">Two sites counted with different rules.</exception>
    public static string? Matching(IReadOnlyList<ResultDocument> sites)
    {
        ArgumentNullException.ThrowIfNull(sites);
        var rules = sites.Select(s => Metrics.NerMatching.OfResult(s.NerMatching)).Distinct(StringComparer.Ordinal).ToList();
        if (rules.Count > 1)
        {
            throw new InvalidDataException($"the sites counted entities with different matching rules ({string.Join(", ", rules)}); their counts cannot be pooled");
        }

        return sites.Select(s => s.NerMatching).FirstOrDefault();
    }
}
