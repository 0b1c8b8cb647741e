namespace Partages.Evaluation.Metrics;

/// <summary>
/// Counters of <see cref="QualifierMetrics"/> over the reports of one run; every counter adds across reports and
/// sites, so a pool is the union's. Not thread-safe.
/// <list type="bullet">
/// <item><b>span_attribute</b>, on <em>matched</em> spans (a gold and a predicted span with the same boundaries and
/// type): per (attribute, non-default value) item EDS-NLP's tp (both sides have the value), fp (only the prediction)
/// and fn (only the gold); the tp and fp also by <see cref="QualifierMetrics.ProbabilityBins"/> bins of the
/// probability the model gave its value, for average precision.</item>
/// <item><b>normalisation</b>, per type: matched gold spans carrying a code whose predicted code is that code (correct),
/// or another one or none (wrong).</item>
/// <item><b>ner_fragments</b>, per type: discontinuous gold entities whose every fragment a prediction of the type
/// has exactly (exact) or not (other); their fragments (at most <see cref="QualifierMetrics.MaxFragmentsPerEntity"/>
/// each) predicted exactly (matched) or not (other).</item>
/// </list>
/// </summary>
public sealed class NerQualifierCounts
{
    public NerQualifierCounts(IReadOnlyList<string> types, NerQualifierSchema schema)
    {
        ArgumentNullException.ThrowIfNull(types);
        ArgumentNullException.ThrowIfNull(schema);
        Types = [.. types];
        Schema = schema;
        Items = schema.Items();
        ItemNames = schema.ItemNames();
        Tp = new long[Items.Count];
        Fp = new long[Items.Count];
        Fn = new long[Items.Count];
        TpBins = [.. Items.Select(_ => new long[QualifierMetrics.ProbabilityBins])];
        FpBins = [.. Items.Select(_ => new long[QualifierMetrics.ProbabilityBins])];
        CodesCorrect = new long[types.Count];
        CodesWrong = new long[types.Count];
        FragmentedExact = new long[types.Count];
        FragmentedOther = new long[types.Count];
        FragmentsMatched = new long[types.Count];
        FragmentsOther = new long[types.Count];
    }

    public IReadOnlyList<string> Types { get; }

    public NerQualifierSchema Schema { get; }

    public IReadOnlyList<(int Attribute, int Value)> Items { get; }

    /// <summary><c>attribute=value</c> of each item, the keys of the released section.</summary>
    public IReadOnlyList<string> ItemNames { get; }

    public long[] Tp { get; }

    public long[] Fp { get; }

    public long[] Fn { get; }

    /// <summary>Per item, the tp by bin of the predicted value's probability.</summary>
    public long[][] TpBins { get; }

    /// <summary>Per item, the fp by bin of the predicted value's probability.</summary>
    public long[][] FpBins { get; }

    public long[] CodesCorrect { get; }

    public long[] CodesWrong { get; }

    public long[] FragmentedExact { get; }

    public long[] FragmentedOther { get; }

    public long[] FragmentsMatched { get; }

    public long[] FragmentsOther { get; }

    /// <summary>Adds one report's counted (clipped) entities and what each carries.</summary>
    /// <param name="goldQualifiers">A gold entity's qualifiers; null: none annotated (every attribute at its default, no code).</param>
    /// <param name="predictedQualifiers">A predicted entity's qualifiers; null when the model predicts none.</param>
    public void Add(
        IReadOnlyList<NerEntity> gold,
        Func<NerEntity, SpanQualifiers?> goldQualifiers,
        IReadOnlyList<NerEntity> predicted,
        Func<NerEntity, SpanQualifiers?> predictedQualifiers)
    {
        NerEntity.CheckTypes(gold, predicted, Types.Count);
        ArgumentNullException.ThrowIfNull(goldQualifiers);
        ArgumentNullException.ThrowIfNull(predictedQualifiers);
        // Spans do not overlap on either side, so same boundaries and type pair them one to one.
        var predictedSet = predicted.ToHashSet();
        foreach (var g in gold)
        {
            var qualifiers = goldQualifiers(g);
            if (qualifiers?.Fragments is { Length: > 1 } fragments)
            {
                AddFragments(g.Type, fragments, predictedSet);
            }

            if (!predictedSet.Contains(g))
            {
                continue;
            }

            var predictedQ = predictedQualifiers(g);
            AddAttributes(qualifiers, predictedQ);
            if (qualifiers is { Code: >= 0 } withCode)
            {
                (predictedQ?.Code == withCode.Code ? CodesCorrect : CodesWrong)[g.Type]++;
            }
        }
    }

    private void AddFragments(int type, (int Start, int End)[] fragments, HashSet<NerEntity> predicted)
    {
        var matched = 0;
        var counted = Math.Min(fragments.Length, QualifierMetrics.MaxFragmentsPerEntity);
        for (var f = 0; f < fragments.Length; f++)
        {
            var hit = predicted.Contains(new NerEntity(fragments[f].Start, fragments[f].End, type));
            matched += hit ? 1 : 0;
            if (f < counted)
            {
                (hit ? FragmentsMatched : FragmentsOther)[type]++;
            }
        }

        (matched == fragments.Length ? FragmentedExact : FragmentedOther)[type]++;
    }

    private void AddAttributes(SpanQualifiers? gold, SpanQualifiers? predicted)
    {
        for (var i = 0; i < Items.Count; i++)
        {
            var (attribute, value) = Items[i];
            var defaultValue = Schema.Attributes[attribute].DefaultIndex;
            var goldValue = ValueOf(gold, attribute, defaultValue);
            var predictedValue = ValueOf(predicted, attribute, defaultValue);
            var inGold = goldValue == value;
            if (predictedValue == value)
            {
                var bin = QualifierMetrics.BinOf(predicted?.Probabilities is { } p && attribute < p.Length ? p[attribute] : 1.0);
                (inGold ? Tp : Fp)[i]++;
                (inGold ? TpBins : FpBins)[i][bin]++;
            }
            else if (inGold)
            {
                Fn[i]++;
            }
        }
    }

    /// <summary>An entity's value of an attribute: the default when it has none (no qualifiers, or -1).</summary>
    private static int ValueOf(SpanQualifiers? qualifiers, int attribute, int defaultValue) =>
        qualifiers is not null && attribute < qualifiers.Values.Length && qualifiers.Values[attribute] >= 0 ? qualifiers.Values[attribute] : defaultValue;

    /// <summary>
    /// Average precision of one item from its histograms: predictions ranked by probability, a bin's predictions tied
    /// (one step of the curve), Σ precision at each bin × its share of the gold items — EDS-NLP's <c>average_precision</c>
    /// on probabilities rounded to the bins. Gold items never predicted count in the denominator. Null without gold items.
    /// </summary>
    public static double? AveragePrecision(IReadOnlyList<long> tpBins, IReadOnlyList<long> fpBins, long support)
    {
        ArgumentNullException.ThrowIfNull(tpBins);
        ArgumentNullException.ThrowIfNull(fpBins);
        if (support <= 0)
        {
            return null;
        }

        double ap = 0;
        long tp = 0, positives = 0;
        for (var b = tpBins.Count - 1; b >= 0; b--)
        {
            tp += tpBins[b];
            positives += tpBins[b] + fpBins[b];
            if (tpBins[b] > 0)
            {
                ap += (double)tp / positives * tpBins[b] / support;
            }
        }

        return ap;
    }

    /// <summary>The counts of several sites added cell by cell: those of the union of their reports.</summary>
    /// <exception cref="ArgumentException">A site counted other types or another schema.</exception>
    public static NerQualifierCounts Pool(IReadOnlyList<string> types, NerQualifierSchema schema, IEnumerable<NerQualifierCounts> sites)
    {
        var pooled = new NerQualifierCounts(types, schema);
        foreach (var site in SitePool.Matching(sites, types, s => s.Types, "entity types"))
        {
            if (!site.ItemNames.SequenceEqual(pooled.ItemNames, StringComparer.Ordinal) || site.Schema.CodeSystem != schema.CodeSystem)
            {
                throw new ArgumentException("A site counted other attributes or another code system; the counts cannot be pooled.", nameof(sites));
            }

            Add(pooled.Tp, site.Tp);
            Add(pooled.Fp, site.Fp);
            Add(pooled.Fn, site.Fn);
            for (var i = 0; i < pooled.Items.Count; i++)
            {
                Add(pooled.TpBins[i], site.TpBins[i]);
                Add(pooled.FpBins[i], site.FpBins[i]);
            }

            Add(pooled.CodesCorrect, site.CodesCorrect);
            Add(pooled.CodesWrong, site.CodesWrong);
            Add(pooled.FragmentedExact, site.FragmentedExact);
            Add(pooled.FragmentedOther, site.FragmentedOther);
            Add(pooled.FragmentsMatched, site.FragmentsMatched);
            Add(pooled.FragmentsOther, site.FragmentsOther);
        }

        return pooled;
    }

    private static void Add(long[] into, long[] from)
    {
        for (var i = 0; i < into.Length; i++)
        {
            into[i] += from[i];
        }
    }
}
