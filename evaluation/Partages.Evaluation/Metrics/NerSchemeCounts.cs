namespace Partages.Evaluation.Metrics;

/// <summary>The four evaluation schemes of SemEval-2013 task 9.1, with the names nervaluate gives them.</summary>
public static class NerSchemes
{
    /// <summary>Exact boundaries and the same type.</summary>
    public const string Strict = "strict";

    /// <summary>Exact boundaries, whatever the type.</summary>
    public const string Exact = "exact";

    /// <summary>Overlapping boundaries, whatever the type; an overlap that is not exact earns half a point.</summary>
    public const string Partial = "partial";

    /// <summary>The same type, with boundaries that at least overlap (nervaluate's <c>ent_type</c>).</summary>
    public const string Type = "type";

    /// <summary>In the order the results list them.</summary>
    public static IReadOnlyList<string> All { get; } = [Strict, Exact, Partial, Type];
}

/// <summary>The five outcomes of SemEval-2013 9.1 under one scheme, for one entity type or overall.</summary>
public sealed record NerOutcomeCounts
{
    public long Correct { get; init; }
    public long Incorrect { get; init; }
    public long Partial { get; init; }
    public long Missed { get; init; }
    public long Spurious { get; init; }

    public static NerOutcomeCounts operator +(NerOutcomeCounts a, NerOutcomeCounts b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return new NerOutcomeCounts
        {
            Correct = a.Correct + b.Correct,
            Incorrect = a.Incorrect + b.Incorrect,
            Partial = a.Partial + b.Partial,
            Missed = a.Missed + b.Missed,
            Spurious = a.Spurious + b.Spurious,
        };
    }

    public static NerOutcomeCounts Add(NerOutcomeCounts a, NerOutcomeCounts b) => a + b;
}

/// <summary>
/// Span-level counts under the four SemEval-2013 9.1 schemes, computed document by document as nervaluate 0.1.x's
/// <c>compute_metrics</c> does (<see cref="NerMatching.Nervaluate01"/>; 1.x's one-to-one rule is
/// <see cref="NervaluateOneToOneCounts"/>), kept per entity type and overall. Counts only: two sites' counts add up to the
/// counts of their union, so pooled metrics are exact. Not thread-safe.
/// </summary>
/// <remarks>
/// For each predicted entity, in order:
/// <list type="number">
/// <item>a gold entity with the same boundaries and type: correct in every scheme (counted under the type);</item>
/// <item>else the first gold entity (in gold order) that has the same boundaries but another type: strict and type
/// incorrect, exact and partial correct; or that overlaps with the same type: strict and exact incorrect, type
/// correct, partial partial; or that overlaps with another type: strict, exact and type incorrect, partial partial —
/// counted under the gold entity's type, and the gold entity is then "overlapped";</item>
/// <item>else spurious in every scheme, counted under the predicted type.</item>
/// </list>
/// Then every gold entity neither matched nor overlapped is missed in every scheme. As in nervaluate, a gold
/// entity overlapped by two predictions is counted twice (once per prediction), and entities of types outside the
/// evaluation's are ignored by the caller before they get here.
/// </remarks>
public sealed class NerSchemeCounts
{
    private const int Schemes = 4;
    private const int StrictIndex = 0, ExactIndex = 1, PartialIndex = 2, TypeIndex = 3;
    private const int Outcomes = 5;
    private const int CorrectIndex = 0, IncorrectIndex = 1, PartialOutcome = 2, MissedIndex = 3, SpuriousIndex = 4;

    // [type][scheme][outcome]
    private readonly long[][][] _counts;

    public NerSchemeCounts(IReadOnlyList<string> types)
    {
        ArgumentNullException.ThrowIfNull(types);
        if (types.Distinct(StringComparer.Ordinal).Count() != types.Count)
        {
            throw new ArgumentException("An entity type appears twice.", nameof(types));
        }

        Types = [.. types];
        _counts = [.. types.Select(_ => Enumerable.Range(0, Schemes).Select(_ => new long[Outcomes]).ToArray())];
    }

    public IReadOnlyList<string> Types { get; }

    /// <summary>Documents added.</summary>
    public long DocumentCount { get; private set; }

    /// <summary>Adds one document's gold and predicted entities (types are indices into <see cref="Types"/>).</summary>
    public void Add(IReadOnlyList<NerEntity> gold, IReadOnlyList<NerEntity> predicted)
    {
        NerEntity.CheckTypes(gold, predicted, Types.Count);

        var overlapped = new bool[gold.Count];
        foreach (var pred in predicted)
        {
            var exactMatch = -1;
            for (var g = 0; g < gold.Count; g++)
            {
                if (gold[g] == pred)
                {
                    exactMatch = g;
                    break;
                }
            }

            if (exactMatch >= 0)
            {
                overlapped[exactMatch] = true;
                Count(pred.Type, CorrectIndex, CorrectIndex, CorrectIndex, CorrectIndex);
                continue;
            }

            var found = false;
            for (var g = 0; g < gold.Count && !found; g++)
            {
                var candidate = gold[g];
                if (candidate.SameBoundaries(pred))
                {
                    // Same boundaries, so the type differs (an identical entity was handled above).
                    Count(candidate.Type, strict: IncorrectIndex, exact: CorrectIndex, partial: CorrectIndex, type: IncorrectIndex);
                    found = true;
                }
                else if (candidate.Overlaps(pred))
                {
                    Count(
                        candidate.Type,
                        strict: IncorrectIndex,
                        exact: IncorrectIndex,
                        partial: PartialOutcome,
                        type: candidate.Type == pred.Type ? CorrectIndex : IncorrectIndex);
                    found = true;
                }

                if (found)
                {
                    overlapped[g] = true;
                }
            }

            if (!found)
            {
                Count(pred.Type, SpuriousIndex, SpuriousIndex, SpuriousIndex, SpuriousIndex);
            }
        }

        for (var g = 0; g < gold.Count; g++)
        {
            if (!overlapped[g])
            {
                Count(gold[g].Type, MissedIndex, MissedIndex, MissedIndex, MissedIndex);
            }
        }

        DocumentCount++;
    }

    /// <summary>The counts of one type under one scheme (one of <see cref="NerSchemes.All"/>).</summary>
    public NerOutcomeCounts Get(string scheme, int type)
    {
        var s = SchemeIndex(scheme);
        var c = _counts[type][s];
        return new NerOutcomeCounts
        {
            Correct = c[CorrectIndex],
            Incorrect = c[IncorrectIndex],
            Partial = c[PartialOutcome],
            Missed = c[MissedIndex],
            Spurious = c[SpuriousIndex],
        };
    }

    /// <summary>The sum over types: nervaluate's overall counts (each entity is counted under exactly one type).</summary>
    public NerOutcomeCounts Overall(string scheme) =>
        Enumerable.Range(0, Types.Count).Select(t => Get(scheme, t)).Aggregate(new NerOutcomeCounts(), NerOutcomeCounts.Add);

    /// <summary>Sets the counts of one type under one scheme, e.g. when reading a released result back.</summary>
    public void Set(string scheme, int type, NerOutcomeCounts counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        if (counts.Correct < 0 || counts.Incorrect < 0 || counts.Partial < 0 || counts.Missed < 0 || counts.Spurious < 0)
        {
            throw new ArgumentException("Counts cannot be negative.", nameof(counts));
        }

        var c = _counts[type][SchemeIndex(scheme)];
        c[CorrectIndex] = counts.Correct;
        c[IncorrectIndex] = counts.Incorrect;
        c[PartialOutcome] = counts.Partial;
        c[MissedIndex] = counts.Missed;
        c[SpuriousIndex] = counts.Spurious;
    }

    /// <summary>The counts of several sites added type by type and scheme by scheme: those of the union of their documents.</summary>
    public static NerSchemeCounts Pool(IReadOnlyList<string> types, IEnumerable<NerSchemeCounts> sites)
    {
        var pooled = new NerSchemeCounts(types);
        foreach (var site in SitePool.Matching(sites, types, s => s.Types, "entity types"))
        {
            for (var t = 0; t < types.Count; t++)
            {
                for (var s = 0; s < Schemes; s++)
                {
                    for (var o = 0; o < Outcomes; o++)
                    {
                        pooled._counts[t][s][o] += site._counts[t][s][o];
                    }
                }
            }

            pooled.DocumentCount += site.DocumentCount;
        }

        return pooled;
    }

    /// <summary>The schemes summed from outcomes (<see cref="NerOutcomes.Scheme"/>), e.g. nervaluate 1.x's, to be released in the same section.</summary>
    public static NerSchemeCounts FromOutcomes(IReadOnlyList<string> types, NerOutcomes outcomes)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        var counts = new NerSchemeCounts(types);
        foreach (var scheme in NerSchemes.All)
        {
            for (var t = 0; t < types.Count; t++)
            {
                counts.Set(scheme, t, outcomes.Scheme(scheme, t));
            }
        }

        return counts;
    }

    private void Count(int entityType, int strict, int exact, int partial, int type)
    {
        var c = _counts[entityType];
        c[StrictIndex][strict]++;
        c[ExactIndex][exact]++;
        c[PartialIndex][partial]++;
        c[TypeIndex][type]++;
    }

    private static int SchemeIndex(string scheme) => scheme switch
    {
        NerSchemes.Strict => StrictIndex,
        NerSchemes.Exact => ExactIndex,
        NerSchemes.Partial => PartialIndex,
        NerSchemes.Type => TypeIndex,
        _ => throw new ArgumentException($"'{scheme}' is not one of {string.Join(", ", NerSchemes.All)}.", nameof(scheme)),
    };
}

/// <summary>
/// One scheme's counts and what nervaluate derives from them. Under differential privacy the counts are noisy and a
/// figure the noise drowns is null, not estimable (<see cref="Privacy.NoisyNerSchemes"/>).
/// </summary>
/// <param name="Possible">Gold entities that take part: correct + incorrect + partial + missed.</param>
/// <param name="Actual">Predicted entities that take part: correct + incorrect + partial + spurious.</param>
public sealed record NerSchemeMetrics(
    long Correct,
    long Incorrect,
    long Partial,
    long Missed,
    long Spurious,
    long Possible,
    long Actual,
    double? Precision,
    double? Recall,
    double? F1)
{
    /// <summary>
    /// nervaluate's derivation: possible and actual as above; precision = credit / actual and recall = credit / possible,
    /// where credit is correct for strict and exact, and correct + 0.5 × partial for partial and type (type never has
    /// partial outcomes, so it is plain correct there too); 0 when the denominator is 0; F1 their harmonic mean, 0 when both are 0.
    /// </summary>
    public static NerSchemeMetrics From(string scheme, NerOutcomeCounts counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var possible = counts.Correct + counts.Incorrect + counts.Partial + counts.Missed;
        var actual = counts.Correct + counts.Incorrect + counts.Partial + counts.Spurious;
        var credit = scheme is NerSchemes.Partial or NerSchemes.Type ? counts.Correct + 0.5 * counts.Partial : counts.Correct;
        var precision = actual == 0 ? 0 : credit / actual;
        var recall = possible == 0 ? 0 : credit / possible;
        var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        return new NerSchemeMetrics(counts.Correct, counts.Incorrect, counts.Partial, counts.Missed, counts.Spurious, possible, actual, precision, recall, f1);
    }

    public NerOutcomeCounts ToCounts() => new() { Correct = Correct, Incorrect = Incorrect, Partial = Partial, Missed = Missed, Spurious = Spurious };
}
