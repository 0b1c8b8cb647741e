namespace Partages.Evaluation.Metrics;

/// <summary>
/// nervaluate's six outcomes per entity type, of which the four schemes are sums (docs/release-gate.md, "Entity
/// recognition"): the boundary matrix (gold type × predicted type of entities with the same boundaries: A1, same
/// boundaries and type, on its diagonal; A2, same boundaries and another type, off it, split by predicted type), and
/// per gold type A3 (overlap, same type), A4 (overlap, another type), A5 (missed); A6 (spurious) per predicted type.
/// strict = (A1, A2 + A3 + A4, 0, A5, A6), exact = (A1 + A2, A3 + A4, 0, A5, A6), partial = (A1 + A2, 0, A3 + A4, A5,
/// A6), type = (A1 + A3, A2 + A4, 0, A5, A6) as (correct, incorrect, partial, missed, spurious). Under differential
/// privacy these are the counts noised, and the schemes are rebuilt from them so they stay consistent.
/// </summary>
public sealed record NerOutcomes(long[][] Boundaries, long[] OverlapSameType, long[] OverlapOtherType, long[] Missed, long[] Spurious)
{
    /// <summary>A2 of type t: its boundary-matrix row off the diagonal.</summary>
    public long SameSpanOtherType(int t) => Boundaries[t].Sum() - Boundaries[t][t];

    /// <summary>The (correct, incorrect, partial, missed, spurious) of one type under one scheme, from the outcomes.</summary>
    public NerOutcomeCounts Scheme(string scheme, int t)
    {
        var (a1, a2, a3, a4) = (Boundaries[t][t], SameSpanOtherType(t), OverlapSameType[t], OverlapOtherType[t]);
        var (correct, incorrect, partial) = scheme switch
        {
            NerSchemes.Strict => (a1, a2 + a3 + a4, 0L),
            NerSchemes.Exact => (a1 + a2, a3 + a4, 0L),
            NerSchemes.Partial => (a1 + a2, 0L, a3 + a4),
            NerSchemes.Type => (a1 + a3, a2 + a4, 0L),
            _ => throw new ArgumentException($"'{scheme}' is not one of {string.Join(", ", NerSchemes.All)}.", nameof(scheme)),
        };
        return new NerOutcomeCounts { Correct = correct, Incorrect = incorrect, Partial = partial, Missed = Missed[t], Spurious = Spurious[t] };
    }

    /// <summary>Every count, in the fixed order the sensitivity is stated over: the boundary matrix row by row, then A3, A4, A5, A6 per type.</summary>
    public long[] Cells() =>
        [.. Boundaries.SelectMany(row => row), .. OverlapSameType, .. OverlapOtherType, .. Missed, .. Spurious];

    /// <summary>Outcomes of <paramref name="types"/> entity types, all zero.</summary>
    public static NerOutcomes Zero(int types) =>
        new([.. Enumerable.Range(0, types).Select(_ => new long[types])], new long[types], new long[types], new long[types], new long[types]);

    /// <summary>The sum of several sites' outcomes, type by type.</summary>
    public static NerOutcomes Sum(int types, IEnumerable<NerOutcomes> sites)
    {
        ArgumentNullException.ThrowIfNull(sites);
        var sum = Zero(types);
        foreach (var site in sites)
        {
            for (var t = 0; t < types; t++)
            {
                for (var p = 0; p < types; p++)
                {
                    sum.Boundaries[t][p] += site.Boundaries[t][p];
                }

                sum.OverlapSameType[t] += site.OverlapSameType[t];
                sum.OverlapOtherType[t] += site.OverlapOtherType[t];
                sum.Missed[t] += site.Missed[t];
                sum.Spurious[t] += site.Spurious[t];
            }
        }

        return sum;
    }

    /// <summary>
    /// Recovers the outcomes from the four schemes' counts and the boundary matrix, and checks every identity
    /// nervaluate's counting implies; counts that break one are refused rather than guessed at (the message names the
    /// type and the identity, never a count).
    /// </summary>
    /// <param name="scheme">The released counts of a scheme (one of <see cref="NerSchemes.All"/>) for a type index.</param>
    /// <param name="requireCounts">Exact counts: every outcome must be ≥ 0. Noisy counts keep their sign, so false for them.</param>
    /// <exception cref="InvalidDataException">An identity does not hold.</exception>
    public static NerOutcomes FromSchemes(IReadOnlyList<string> types, Func<string, int, NerOutcomeCounts> scheme, long[][] boundaries, bool requireCounts)
    {
        ArgumentNullException.ThrowIfNull(types);
        ArgumentNullException.ThrowIfNull(scheme);
        ArgumentNullException.ThrowIfNull(boundaries);
        var outcomes = Zero(types.Count);
        for (var t = 0; t < types.Count; t++)
        {
            var (strict, exact, partial, type) = (scheme(NerSchemes.Strict, t), scheme(NerSchemes.Exact, t), scheme(NerSchemes.Partial, t), scheme(NerSchemes.Type, t));
            var sameSpanOtherType = exact.Correct - strict.Correct;
            var overlapSame = type.Correct - strict.Correct;
            var overlapOther = strict.Incorrect - sameSpanOtherType - overlapSame;
            var checks = new (bool Holds, string Identity)[]
            {
                (!requireCounts || (sameSpanOtherType >= 0 && overlapSame >= 0 && overlapOther >= 0 && strict.Correct >= 0 && strict.Missed >= 0 && strict.Spurious >= 0),
                    "every outcome is a count (exact.correct and type.correct ≥ strict.correct, strict.incorrect ≥ their excess)"),
                (boundaries[t][t] == strict.Correct, "the boundary matrix's diagonal is strict.correct"),
                (boundaries[t].Sum() - boundaries[t][t] == sameSpanOtherType, "the boundary matrix's row off the diagonal is exact.correct − strict.correct"),
                (exact.Incorrect == overlapSame + overlapOther && type.Incorrect == sameSpanOtherType + overlapOther, "exact.incorrect and type.incorrect follow from the outcomes"),
                (partial.Correct == exact.Correct && partial.Incorrect == 0 && partial.Partial == overlapSame + overlapOther, "partial = (exact.correct, 0, overlaps)"),
                (strict.Partial == 0 && exact.Partial == 0 && type.Partial == 0, "only the partial scheme has partial outcomes"),
                (new[] { exact, partial, type }.All(s => s.Missed == strict.Missed && s.Spurious == strict.Spurious), "missed and spurious are the same under every scheme"),
            };
            if (checks.FirstOrDefault(c => !c.Holds) is { Identity: { } broken })
            {
                throw new InvalidDataException($"counts for type '{types[t]}' break an identity of nervaluate's schemes ({broken})");
            }

            for (var p = 0; p < types.Count; p++)
            {
                outcomes.Boundaries[t][p] = boundaries[t][p];
            }

            (outcomes.OverlapSameType[t], outcomes.OverlapOtherType[t], outcomes.Missed[t], outcomes.Spurious[t]) = (overlapSame, overlapOther, strict.Missed, strict.Spurious);
        }

        return outcomes;
    }
}
