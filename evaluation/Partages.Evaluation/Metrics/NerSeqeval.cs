namespace Partages.Evaluation.Metrics;

/// <summary>
/// IOB2 tags as integers, for a list of entity types: 0 is <c>O</c>, <c>1 + 2t</c> is <c>B-</c>type t and
/// <c>2 + 2t</c> is <c>I-</c>type t. A model's own tag names are mapped onto these once, before any document.
/// </summary>
public static class Iob2
{
    public const int Outside = 0;

    public static int Begin(int type) => 1 + (2 * type);

    public static int Inside(int type) => 2 + (2 * type);

    public static bool IsBegin(int tag) => tag > 0 && tag % 2 == 1;

    public static bool IsInside(int tag) => tag > 0 && tag % 2 == 0;

    /// <summary>The type of a B- or I- tag; -1 for O.</summary>
    public static int TypeOf(int tag) => tag <= 0 ? -1 : (tag - 1) / 2;

    /// <summary>The tags of an entity-type list in the order used here: O, B-t0, I-t0, B-t1, I-t1…</summary>
    public static IReadOnlyList<string> TagNames(IReadOnlyList<string> types)
    {
        ArgumentNullException.ThrowIfNull(types);
        var names = new List<string>(1 + (2 * types.Count)) { "O" };
        foreach (var type in types)
        {
            names.Add("B-" + type);
            names.Add("I-" + type);
        }

        return names;
    }

    /// <summary>
    /// seqeval's strict mode with the IOB2 scheme: an entity starts at a B- tag and takes the I- tags of the same
    /// type that follow it; an I- tag that does not continue such an entity (after O, or after another type) starts
    /// nothing and is dropped. Entities are <c>[first word, last word + 1)</c>.
    /// </summary>
    public static List<NerEntity> DecodeStrict(ReadOnlySpan<int> tags)
    {
        var entities = new List<NerEntity>();
        var start = -1;
        var type = -1;
        for (var i = 0; i <= tags.Length; i++)
        {
            var tag = i < tags.Length ? tags[i] : Outside;
            if (start >= 0 && IsInside(tag) && TypeOf(tag) == type)
            {
                continue;
            }

            if (start >= 0)
            {
                entities.Add(new NerEntity(start, i, type));
                start = -1;
            }

            if (IsBegin(tag))
            {
                start = i;
                type = TypeOf(tag);
            }
        }

        return entities;
    }

    /// <summary>The IOB2 tags of non-overlapping entities over <paramref name="length"/> positions.</summary>
    public static int[] Encode(IEnumerable<NerEntity> entities, int length)
    {
        ArgumentNullException.ThrowIfNull(entities);
        var tags = new int[length];
        foreach (var entity in entities)
        {
            for (var i = entity.Start; i < entity.End; i++)
            {
                tags[i] = i == entity.Start ? Begin(entity.Type) : Inside(entity.Type);
            }
        }

        return tags;
    }
}

/// <summary>
/// seqeval's strict-mode (IOB2) statistics: per entity type, entities found with the same boundaries and type in
/// gold and prediction (tp), predicted only (fp), gold only (fn); and word-level tag agreement (seqeval's
/// <c>accuracy_score</c>). Sums only, so sites pool by addition. Not thread-safe.
/// </summary>
public sealed class SeqevalCounts
{
    private readonly long[] _tp;
    private readonly long[] _fp;
    private readonly long[] _fn;

    public SeqevalCounts(IReadOnlyList<string> types)
    {
        ArgumentNullException.ThrowIfNull(types);
        Types = [.. types];
        _tp = new long[types.Count];
        _fp = new long[types.Count];
        _fn = new long[types.Count];
    }

    public IReadOnlyList<string> Types { get; }

    public long Words { get; private set; }

    public long WordsCorrect { get; private set; }

    public long Tp(int type) => _tp[type];

    public long Fp(int type) => _fp[type];

    public long Fn(int type) => _fn[type];

    /// <summary>Adds one sequence's gold and predicted IOB2 tags (same length, see <see cref="Iob2"/>).</summary>
    public void Add(ReadOnlySpan<int> gold, ReadOnlySpan<int> predicted)
    {
        AddWords(gold, predicted);
        AddEntities(Iob2.DecodeStrict(gold), Iob2.DecodeStrict(predicted));
    }

    /// <summary>Word-level tag agreement only (seqeval's <c>accuracy_score</c>): one sequence's gold and predicted tags.</summary>
    public void AddWords(ReadOnlySpan<int> gold, ReadOnlySpan<int> predicted)
    {
        if (gold.Length != predicted.Length)
        {
            throw new ArgumentException($"{gold.Length} gold tags for {predicted.Length} predicted ones.", nameof(predicted));
        }

        for (var i = 0; i < gold.Length; i++)
        {
            Words++;
            if (gold[i] == predicted[i])
            {
                WordsCorrect++;
            }
        }
    }

    /// <summary>
    /// Entity-level counts only, from one sequence's already decoded entities (<see cref="Iob2.DecodeStrict"/>): a
    /// predicted entity found among the gold ones is a tp of its type, else an fp; a gold entity not predicted is an fn.
    /// Lets a caller bound how many entities of a report are counted (<see cref="NerStatistics"/>).
    /// </summary>
    public void AddEntities(IReadOnlyList<NerEntity> goldEntities, IReadOnlyList<NerEntity> predictedEntities)
    {
        ArgumentNullException.ThrowIfNull(goldEntities);
        ArgumentNullException.ThrowIfNull(predictedEntities);
        var goldSet = goldEntities.ToHashSet();
        foreach (var entity in predictedEntities)
        {
            CheckType(entity.Type);
            if (goldSet.Contains(entity))
            {
                _tp[entity.Type]++;
            }
            else
            {
                _fp[entity.Type]++;
            }
        }

        var predictedSet = predictedEntities.ToHashSet();
        foreach (var entity in goldEntities)
        {
            CheckType(entity.Type);
            if (!predictedSet.Contains(entity))
            {
                _fn[entity.Type]++;
            }
        }
    }

    /// <summary>Sets every count, e.g. when reading a released result back.</summary>
    public void Set(int type, long tp, long fp, long fn)
    {
        if (tp < 0 || fp < 0 || fn < 0)
        {
            throw new ArgumentException("Counts cannot be negative.");
        }

        _tp[type] = tp;
        _fp[type] = fp;
        _fn[type] = fn;
    }

    public void SetWords(long words, long correct)
    {
        if (words < 0 || correct < 0 || correct > words)
        {
            throw new ArgumentException($"{correct} correct words of {words} is impossible.");
        }

        Words = words;
        WordsCorrect = correct;
    }

    /// <summary>
    /// seqeval's <c>classification_report</c>: per type precision, recall, F1 and support (gold entities), the
    /// micro average (over all entities), the macro average (unweighted mean over types) and the weighted average
    /// (by support); a ratio over 0 is 0. <see cref="ClassMetrics.Tn"/> has no meaning for spans and is 0.
    /// </summary>
    public ClassificationReport Report() =>
        Averages.Report(Types, [.. Enumerable.Range(0, Types.Count).Select(t => (_tp[t], _fp[t], _fn[t], 0L))], Averages.ZeroDivision.Zero, Averages.Ratio(WordsCorrect, Words, Averages.ZeroDivision.Zero));

    public static SeqevalCounts Pool(IReadOnlyList<string> types, IEnumerable<SeqevalCounts> sites)
    {
        var pooled = new SeqevalCounts(types);
        foreach (var site in SitePool.Matching(sites, types, s => s.Types, "entity types"))
        {
            for (var t = 0; t < types.Count; t++)
            {
                pooled._tp[t] += site._tp[t];
                pooled._fp[t] += site._fp[t];
                pooled._fn[t] += site._fn[t];
            }

            pooled.Words += site.Words;
            pooled.WordsCorrect += site.WordsCorrect;
        }

        return pooled;
    }

    private void CheckType(int type)
    {
        if ((uint)type >= (uint)Types.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(type), $"Tag of entity type {type} outside the {Types.Count} types.");
        }
    }
}
