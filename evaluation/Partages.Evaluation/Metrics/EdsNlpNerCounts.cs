using System.Globalization;

namespace Partages.Evaluation.Metrics;

/// <summary>The EDS-NLP entity metrics a spec can ask for (edsnlp/metrics/ner.py, docs/ner.md "EDS-NLP metrics").</summary>
public static class EdsNlpMetrics
{
    /// <summary><c>eds.ner_exact</c>: a span counts when a span with the same boundaries and label is on the other side.</summary>
    public const string Exact = "ner_exact";

    /// <summary><c>eds.ner_token</c>: the (token, label) pairs covered by spans on each side.</summary>
    public const string Token = "ner_token";

    /// <summary><c>eds.ner_overlap</c>: a span counts when its best Dice coefficient with the other side reaches the threshold.</summary>
    public const string Overlap = "ner_overlap";

    public static IReadOnlyList<string> All { get; } = [Exact, Token, Overlap];

    /// <summary>EDS-NLP's default Dice threshold for <see cref="Overlap"/>.</summary>
    public const double DefaultOverlapThreshold = 0.5;
}

/// <summary>
/// The word tokens the EDS-NLP metrics count in: maximal runs of letters, combining marks and digits, and every other
/// character that is not white space as a token of its own ("fièvre aiguë." → fièvre, aiguë, "."), as EDS-NLP's
/// <c>eds</c> tokenizer cuts such text. Offsets only (UTF-16 indices of the text), never the text.
/// </summary>
public static class EdsNlpTokens
{
    /// <summary>Each token's [start, end) in the text, in order.</summary>
    public static (int Start, int End)[] Of(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new List<(int, int)>();
        var i = 0;
        while (i < text.Length)
        {
            if (char.IsWhiteSpace(text[i]))
            {
                i++;
                continue;
            }

            var start = i;
            if (IsWordCharacter(text, i))
            {
                while (i < text.Length && IsWordCharacter(text, i))
                {
                    i += char.IsSurrogatePair(text, i) ? 2 : 1;
                }
            }
            else
            {
                i += char.IsSurrogatePair(text, i) ? 2 : 1;
                // A combining mark after a symbol belongs to it (it never starts a token).
                while (i < text.Length && IsMark(text, i))
                {
                    i++;
                }
            }

            tokens.Add((start, i));
        }

        return [.. tokens];
    }

    private static bool IsWordCharacter(string text, int i) =>
        CharUnicodeInfo.GetUnicodeCategory(text, i) is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter
            or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
            or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark
            or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;

    private static bool IsMark(string text, int i) =>
        CharUnicodeInfo.GetUnicodeCategory(text, i) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark;

    /// <summary>
    /// A character span as tokens: [first, last + 1) of the tokens sharing a character with it (EDS-NLP's spans are
    /// token spans); an empty range at the next token when it covers none (white space only).
    /// </summary>
    public static NerEntity ToTokens(NerEntity span, IReadOnlyList<(int Start, int End)> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        int first = -1, last = -1, next = tokens.Count;
        for (var k = 0; k < tokens.Count; k++)
        {
            if (tokens[k].Start < span.End && span.Start < tokens[k].End)
            {
                first = first < 0 ? k : first;
                last = k;
            }
            else if (tokens[k].Start >= span.End && next == tokens.Count)
            {
                next = k;
            }
        }

        return first < 0 ? new NerEntity(next, next, span.Type) : new NerEntity(first, last + 1, span.Type);
    }
}

/// <summary>
/// EDS-NLP's <c>eds.ner_exact</c>, <c>eds.ner_token</c> and <c>eds.ner_overlap</c> counters per entity type, over
/// word-token spans (<see cref="EdsNlpTokens"/>), document by document. Every counter adds across documents and sites,
/// and micro is the sum over types (EDS-NLP's micro sets hold (span, label) items, so they are the union of the
/// labels'), so pooled figures are the union's. Not thread-safe.
/// </summary>
/// <remarks>
/// Per document and type, spans are sets (a duplicate counts once, as in EDS-NLP):
/// <list type="bullet">
/// <item>exact: positives = predicted spans, support = gold spans, tp = spans on both sides;</item>
/// <item>token: the same over (token, label) items, each span contributing the tokens it covers;</item>
/// <item>overlap: a predicted span is a true prediction when its best Dice coefficient with a gold span of its label
/// reaches the threshold; a gold span is a true gold when the predicted span of best Dice among all labels (the first
/// in text order on a tie) has its label and reaches the threshold. Positives and support are exact's.</item>
/// </list>
/// </remarks>
public sealed class EdsNlpNerCounts
{
    private readonly long[][] _counts; // [type][counter]

    /// <param name="overlapThreshold">The Dice threshold of <c>ner_overlap</c>, in (0, 1].</param>
    public EdsNlpNerCounts(IReadOnlyList<string> types, double overlapThreshold = EdsNlpMetrics.DefaultOverlapThreshold)
    {
        ArgumentNullException.ThrowIfNull(types);
        if (!(overlapThreshold > 0 && overlapThreshold <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(overlapThreshold), overlapThreshold, "The Dice threshold is in (0, 1].");
        }

        Types = [.. types];
        OverlapThreshold = overlapThreshold;
        _counts = [.. types.Select(_ => new long[Counters])];
    }

    /// <summary>Counters per type, in the order they are released.</summary>
    public const int Counters = 8;

    /// <summary>Counter indices.</summary>
    public const int ExactTp = 0, ExactPositives = 1, ExactSupport = 2, TokenTp = 3, TokenPositives = 4, TokenSupport = 5, OverlapTruePred = 6, OverlapTrueGold = 7;

    public IReadOnlyList<string> Types { get; }

    public double OverlapThreshold { get; }

    /// <summary>One counter of one type.</summary>
    public long this[int type, int counter]
    {
        get => _counts[type][counter];
        set => _counts[type][counter] = value;
    }

    /// <summary>
    /// Adds one document. <paramref name="gold"/> and <paramref name="predicted"/> are character spans; each is counted
    /// on the <paramref name="tokens"/> it covers. Only tokens below <paramref name="maxTokens"/> are counted by
    /// ner_token (the bound that keeps one report's weight finite under differential privacy; null: all).
    /// </summary>
    public void Add(IReadOnlyList<NerEntity> gold, IReadOnlyList<NerEntity> predicted, IReadOnlyList<(int Start, int End)> tokens, int? maxTokens = null)
    {
        NerEntity.CheckTypes(gold, predicted, Types.Count);
        ArgumentNullException.ThrowIfNull(tokens);
        var goldSpans = gold.Select(e => EdsNlpTokens.ToTokens(e, tokens)).Distinct().OrderBy(e => e.Start).ThenBy(e => e.End).ThenBy(e => e.Type).ToList();
        var predSpans = predicted.Select(e => EdsNlpTokens.ToTokens(e, tokens)).Distinct().OrderBy(e => e.Start).ThenBy(e => e.End).ThenBy(e => e.Type).ToList();
        var goldSet = goldSpans.ToHashSet();
        foreach (var p in predSpans)
        {
            _counts[p.Type][ExactPositives]++;
            _counts[p.Type][ExactTp] += goldSet.Contains(p) ? 1 : 0;
            var best = goldSpans.Where(g => g.Type == p.Type).Select(g => Dice(p, g)).DefaultIfEmpty(-1).Max();
            _counts[p.Type][OverlapTruePred] += best >= OverlapThreshold ? 1 : 0;
        }

        foreach (var g in goldSpans)
        {
            _counts[g.Type][ExactSupport]++;
            NerEntity? match = null;
            var best = -1.0;
            foreach (var p in predSpans)
            {
                var dice = Dice(g, p);
                if (dice > best)
                {
                    (best, match) = (dice, p);
                }
            }

            _counts[g.Type][OverlapTrueGold] += match is { } m && best >= OverlapThreshold && m.Type == g.Type ? 1 : 0;
        }

        var limit = maxTokens ?? int.MaxValue;
        var goldTokens = TokenItems(goldSpans, limit);
        foreach (var (token, type) in TokenItems(predSpans, limit))
        {
            _counts[type][TokenPositives]++;
            _counts[type][TokenTp] += goldTokens.Contains((token, type)) ? 1 : 0;
        }

        foreach (var (_, type) in goldTokens)
        {
            _counts[type][TokenSupport]++;
        }

        DocumentCount++;
    }

    public long DocumentCount { get; private set; }

    /// <summary>EDS-NLP's <c>dice</c>: 2 × common tokens / (length + length); 0 for two empty spans.</summary>
    public static double Dice(NerEntity a, NerEntity b)
    {
        var common = Math.Max(0, Math.Min(a.End, b.End) - Math.Max(a.Start, b.Start));
        var lengths = (a.End - a.Start) + (b.End - b.Start);
        return lengths == 0 ? 0 : 2.0 * common / lengths;
    }

    /// <summary>The counts of several sites added counter by counter: those of the union of their documents.</summary>
    public static EdsNlpNerCounts Pool(IReadOnlyList<string> types, double overlapThreshold, IEnumerable<EdsNlpNerCounts> sites)
    {
        var pooled = new EdsNlpNerCounts(types, overlapThreshold);
        foreach (var site in SitePool.Matching(sites, types, s => s.Types, "entity types"))
        {
            if (site.OverlapThreshold != overlapThreshold)
            {
                throw new InvalidDataException("the sites counted ner_overlap with different Dice thresholds; their counts cannot be pooled");
            }

            for (var t = 0; t < types.Count; t++)
            {
                for (var c = 0; c < Counters; c++)
                {
                    pooled._counts[t][c] += site._counts[t][c];
                }
            }

            pooled.DocumentCount += site.DocumentCount;
        }

        return pooled;
    }

    private static HashSet<(int Token, int Type)> TokenItems(IEnumerable<NerEntity> spans, int limit) =>
        [.. spans.SelectMany(s => Enumerable.Range(s.Start, Math.Max(0, Math.Min(s.End, limit) - s.Start)).Select(k => (k, s.Type)))];
}
