namespace Partages.Evaluation.Metrics;

/// <summary>
/// Span-level counts under the four SemEval-2013 9.1 schemes as nervaluate 1.x computes them
/// (<see cref="NerMatching.Nervaluate1"/>), document by document. Counts only, kept as two sets of
/// <see cref="NerOutcomes"/>: two sites' counts add up to their union's, so pooled metrics stay exact. Not thread-safe.
/// </summary>
/// <remarks>
/// nervaluate 1.x's <c>Evaluator.evaluate</c> matches twice per document, and the two do not add up to each other:
/// <list type="bullet">
/// <item><b>per type</b>: the gold and predicted entities of that type only, matched one-to-one
/// (<see cref="NervaluateMatching"/>); a prediction can never meet a gold entity of another type, so A2 and A4 are
/// always 0 there;</item>
/// <item><b>overall</b>: every entity of the evaluation's types, all types matched together, one-to-one; a pair's
/// outcome is counted under the gold entity's type, a spurious prediction under its own type (the cells of
/// <see cref="NerOutcomes"/>, summed over types for nervaluate's <c>overall</c>).</item>
/// </list>
/// Gold PER [0, 5) and predicted LOC [0, 5): overall one strict incorrect, but per type one PER missed and one LOC
/// spurious. Entities of types outside the evaluation's are dropped by the caller first, as nervaluate filters by tags.
/// </remarks>
public sealed class NervaluateOneToOneCounts
{
    public NervaluateOneToOneCounts(IReadOnlyList<string> types)
    {
        ArgumentNullException.ThrowIfNull(types);
        if (types.Distinct(StringComparer.Ordinal).Count() != types.Count)
        {
            throw new ArgumentException("An entity type appears twice.", nameof(types));
        }

        Types = [.. types];
        PerType = NerOutcomes.Zero(types.Count);
        Together = NerOutcomes.Zero(types.Count);
    }

    public IReadOnlyList<string> Types { get; }

    /// <summary>Documents added.</summary>
    public long DocumentCount { get; private set; }

    /// <summary>Outcomes of each type matched alone (nervaluate's <c>entities</c>).</summary>
    public NerOutcomes PerType { get; private set; }

    /// <summary>Outcomes of all types matched together (summed over types: nervaluate's <c>overall</c>).</summary>
    public NerOutcomes Together { get; private set; }

    /// <summary>Adds one document's gold and predicted entities (types are indices into <see cref="Types"/>), each list in its document order.</summary>
    public void Add(IReadOnlyList<NerEntity> gold, IReadOnlyList<NerEntity> predicted)
    {
        NerEntity.CheckTypes(gold, predicted, Types.Count);

        NervaluateMatching.Tally(Together, gold, predicted);
        for (var t = 0; t < Types.Count; t++)
        {
            // Where() keeps the order, as nervaluate's list comprehensions do: "first gold not yet taken" depends on it.
            NervaluateMatching.Tally(PerType, [.. gold.Where(e => e.Type == t)], [.. predicted.Where(e => e.Type == t)]);
        }

        DocumentCount++;
    }

    /// <summary>The counts of one type under one scheme (one of <see cref="NerSchemes.All"/>), from that type matched alone.</summary>
    public NerOutcomeCounts Get(string scheme, int type) => PerType.Scheme(scheme, type);

    /// <summary>nervaluate 1.x's overall counts: all types matched together. Not the sum of <see cref="Get"/> over types.</summary>
    public NerOutcomeCounts Overall(string scheme) =>
        Enumerable.Range(0, Types.Count).Select(t => Together.Scheme(scheme, t)).Aggregate(new NerOutcomeCounts(), NerOutcomeCounts.Add);

    /// <summary>The counts of several sites added cell by cell: those of the union of their documents.</summary>
    public static NervaluateOneToOneCounts Pool(IReadOnlyList<string> types, IEnumerable<NervaluateOneToOneCounts> sites)
    {
        var list = SitePool.Matching(sites, types, s => s.Types, "entity types");
        return new NervaluateOneToOneCounts(types)
        {
            PerType = NerOutcomes.Sum(types.Count, list.Select(s => s.PerType)),
            Together = NerOutcomes.Sum(types.Count, list.Select(s => s.Together)),
            DocumentCount = list.Sum(s => s.DocumentCount),
        };
    }
}
