namespace Partages.Evaluation.Metrics;

/// <summary>
/// The two rules that decide which gold entity a predicted entity is judged against (docs/ner.md, "Entity matching").
/// Named after the nervaluate release whose numbers each one reproduces, so a hospital comparing with the tool it has
/// installed knows which to pick.
/// </summary>
public static class NerMatching
{
    /// <summary>
    /// nervaluate 1.x: one-to-one (each prediction takes the first overlapping gold entity not yet taken); per-type
    /// counts from each type's entities alone, overall counts from all types matched together
    /// (<see cref="NervaluateOneToOneCounts"/>).
    /// </summary>
    public const string Nervaluate1 = "nervaluate-1";

    /// <summary>
    /// nervaluate 0.1.x: a gold entity may be overlapped by several predictions, each counted, under the gold entity's
    /// type; overall = the sum of the types (<see cref="NerSchemeCounts"/>).
    /// </summary>
    public const string Nervaluate01 = "nervaluate-0.1";

    /// <summary>Every rule, in the order a refusal lists them.</summary>
    public static IReadOnlyList<string> All { get; } = [Nervaluate1, Nervaluate01];

    /// <summary>
    /// What a spec without <c>ner_matching</c> gets: current nervaluate (1.x), so figures agree with the release a
    /// hospital installs today. A result without <c>ner_matching</c> (written before the key existed) was counted with
    /// <see cref="Nervaluate01"/>: read it with <see cref="OfResult"/>.
    /// </summary>
    public const string Default = Nervaluate1;

    /// <summary>The rule a released result was counted with: its <c>ner_matching</c>, or nervaluate-0.1 for results older than the key.</summary>
    public static string OfResult(string? released) => released ?? Nervaluate01;
}

/// <summary>
/// nervaluate 1.x's matching (<c>nervaluate/strategies.py</c>, 1.1.0): predictions in order; each takes the first gold
/// entity, in gold order, not taken yet and overlapping it enough; a prediction that takes none is spurious, a gold
/// entity no prediction took is missed.
/// </summary>
/// <remarks>
/// nervaluate runs this loop once per scheme, but the four loops take the same gold entity for every prediction (each
/// takes on "same boundaries" or "enough overlap", and same boundaries is always enough overlap), so one matching
/// serves all four and only the judgement of a pair differs by scheme — which is what <see cref="NerOutcomes"/>
/// records (same boundaries and type, same boundaries other type, overlap same type, overlap other type).
/// </remarks>
public static class NervaluateMatching
{
    /// <summary>For each prediction, the index of the gold entity it takes, or −1 (spurious).</summary>
    public static int[] Match(IReadOnlyList<NerEntity> gold, IReadOnlyList<NerEntity> predicted)
    {
        ArgumentNullException.ThrowIfNull(gold);
        ArgumentNullException.ThrowIfNull(predicted);
        var taken = new bool[gold.Count];
        var match = new int[predicted.Count];
        for (var p = 0; p < predicted.Count; p++)
        {
            match[p] = -1;
            for (var g = 0; g < gold.Count; g++)
            {
                if (!taken[g] && (gold[g].SameBoundaries(predicted[p]) || EnoughOverlap(predicted[p], gold[g])))
                {
                    taken[g] = true;
                    match[p] = g;
                    break;
                }
            }
        }

        return match;
    }

    /// <summary>
    /// nervaluate's <c>min_overlap_percentage</c> at its default, 1: the characters in common are at least 1 % of the
    /// gold entity's. Its ends are inclusive (its loaders store end − 1), ours exclusive, so its
    /// <c>min(end) − max(start) + 1</c> is our <c>min(End) − max(Start)</c>. Integer arithmetic: nervaluate's
    /// <c>(overlap / length) × 100.0 ≥ 1.0</c> holds at equality too (k / 100k is the double 0.01, times 100 is 1.0),
    /// so the rule is exactly 100 × overlap ≥ length. Only a gold entity over 100 characters can be overlapped without
    /// being overlapped enough.
    /// </summary>
    public static bool EnoughOverlap(NerEntity predicted, NerEntity gold)
    {
        var overlap = (long)Math.Min(predicted.End, gold.End) - Math.Max(predicted.Start, gold.Start);
        return overlap > 0 && 100 * overlap >= (long)gold.End - gold.Start;
    }

    /// <summary>
    /// Adds one matching's outcomes: a pair to A1/A2 (the boundary matrix, gold type × predicted type), A3 or A4
    /// (under the gold type); an unmatched prediction to A6 (its type), an untaken gold entity to A5 (its type).
    /// Each counted prediction is one unit in one cell, and each gold entity is in at most one (its pair's, or A5).
    /// </summary>
    public static void Tally(NerOutcomes outcomes, IReadOnlyList<NerEntity> gold, IReadOnlyList<NerEntity> predicted)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        var match = Match(gold, predicted);
        var taken = new bool[gold.Count];
        for (var p = 0; p < predicted.Count; p++)
        {
            var pred = predicted[p];
            if (match[p] < 0)
            {
                outcomes.Spurious[pred.Type]++;
                continue;
            }

            var g = gold[match[p]];
            taken[match[p]] = true;
            if (g.SameBoundaries(pred))
            {
                outcomes.Boundaries[g.Type][pred.Type]++;
            }
            else if (g.Type == pred.Type)
            {
                outcomes.OverlapSameType[g.Type]++;
            }
            else
            {
                outcomes.OverlapOtherType[g.Type]++;
            }
        }

        for (var g = 0; g < gold.Count; g++)
        {
            if (!taken[g])
            {
                outcomes.Missed[gold[g].Type]++;
            }
        }
    }
}
