using System.Globalization;

namespace Partages.Evaluation.Tokenization;

/// <summary>A word of the text: <c>[Start, End)</c> in the original text, and the index of its first piece.</summary>
public readonly record struct NerWord(int Start, int End, int FirstPiece);

/// <summary>One word piece of a text and where it came from: <c>[Start, End)</c> in the original text (UTF-16 code units).</summary>
/// <param name="WordStart">The piece begins a word (it is not a <c>##</c> continuation): the piece that carries the word's tag.</param>
public readonly record struct NerPiece(int Id, int Start, int End, bool WordStart);

/// <summary>
/// The text side of entity recognition, shared by the model kit (training) and the node engine (inference) so both
/// cut and align a report the same way:
/// <list type="number">
/// <item><see cref="Prepare"/>: accents folded (<see cref="AccentFolding"/>) and tab, line feed and carriage return
/// turned into spaces, one character for one, so every offset of the prepared text is an offset of the original;</item>
/// <item>the model's WordPiece tokenizer cuts the prepared text and reports each piece's offsets in its own
/// normalized text (lower-cased, control characters removed);</item>
/// <item><see cref="Pieces"/> maps those offsets back onto the original text.</item>
/// </list>
/// Why step 1 turns line breaks into spaces: Microsoft.ML.Tokenizers 2.0.1's BERT normalizer deletes <c>\n</c>,
/// <c>\t</c> and <c>\r</c> as control characters, which glues the last word of a line to the first of the next
/// ("wt\nccl" → "wtccl"); Hugging Face's BasicTokenizer treats them as whitespace, which is what a token
/// classifier exported from Hugging Face was trained with.
/// </summary>
public static class NerText
{
    public static string Prepare(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var folded = AccentFolding.Fold(text);
        if (folded.AsSpan().IndexOfAny('\t', '\n', '\r') < 0)
        {
            return folded;
        }

        return string.Create(folded.Length, folded, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = source[i] is '\t' or '\n' or '\r' ? ' ' : source[i];
            }
        });
    }

    /// <summary>
    /// The pieces of <paramref name="prepared"/> with offsets in the original text. <paramref name="normalized"/> is the
    /// tokenizer's normalized text (null when it did not normalize) and each token's offsets index into it.
    /// </summary>
    /// <param name="tokens">The tokenizer's pieces in order: id, surface value (a continuation starts with <c>##</c>), [start, end) in <paramref name="normalized"/>.</param>
    public static NerPiece[] Pieces(string prepared, string? normalized, IReadOnlyList<(int Id, string Value, int Start, int End)> tokens)
    {
        ArgumentNullException.ThrowIfNull(prepared);
        ArgumentNullException.ThrowIfNull(tokens);
        var map = normalized is null ? null : Align(prepared, normalized);
        var pieces = new NerPiece[tokens.Count];
        for (var i = 0; i < tokens.Count; i++)
        {
            var (id, value, start, end) = tokens[i];
            int from, to;
            if (map is null)
            {
                (from, to) = (start, end);
            }
            else
            {
                from = map[Math.Clamp(start, 0, map.Length - 1)];
                // The end maps through the piece's last character, so characters deleted after it stay outside.
                to = end > start ? map[Math.Clamp(end - 1, 0, map.Length - 1)] + 1 : from;
            }

            pieces[i] = new NerPiece(id, from, WithCombiningMarks(prepared, Math.Max(from, to)), !value.StartsWith("##", StringComparison.Ordinal));
        }

        return pieces;
    }

    /// <summary>
    /// Moves a piece's end past the combining marks that follow it. In NFD text ("mute\u0301" for "muté") the
    /// normalizer deletes the mark as it strips accents, so the piece ends at the base letter; the mark belongs to
    /// that letter, and a span that left it out would differ from the gold span by one character and fail strict
    /// and exact matching although the model found the right word.
    /// Every tokenizer's piece mapping goes through here (<c>BertEncoder</c>, <c>SentencePieceEncoder</c>), so all
    /// kinds end spans alike. <paramref name="text"/> is the original (or prepared: same length, same marks) text.
    /// </summary>
    public static int WithCombiningMarks(string text, int end)
    {
        ArgumentNullException.ThrowIfNull(text);
        while (end > 0 && end < text.Length && IsCombiningMark(text[end]))
        {
            end++;
        }

        return end;
    }

    // CharUnicodeInfo reads CoreLib's own tables, so it answers the same under InvariantGlobalization.
    private static bool IsCombiningMark(char c) => CharUnicodeInfo.GetUnicodeCategory(c)
        is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark;

    /// <summary>
    /// For each character of <paramref name="normalized"/>, the index of the character of <paramref name="prepared"/> it
    /// came from (the last entry is the prepared text's length). The normalizer only lower-cases (one character for
    /// one) and deletes characters, and may insert spaces (around CJK ideographs): a greedy walk recovers the mapping.
    /// </summary>
    public static int[] Align(string prepared, string normalized)
    {
        ArgumentNullException.ThrowIfNull(prepared);
        ArgumentNullException.ThrowIfNull(normalized);
        var map = new int[normalized.Length + 1];
        int i = 0, j = 0;
        while (j < normalized.Length)
        {
            if (i < prepared.Length && (prepared[i] == normalized[j] || char.ToLowerInvariant(prepared[i]) == normalized[j]))
            {
                map[j++] = i++;
            }
            else if (normalized[j] == ' ' || i >= prepared.Length)
            {
                // A space the normalizer inserted (or text past the end): it belongs where the walk stands.
                map[j++] = Math.Min(i, Math.Max(0, prepared.Length - 1));
            }
            else
            {
                // A character the normalizer deleted.
                i++;
            }
        }

        map[normalized.Length] = prepared.Length;
        return map;
    }

    /// <summary>The words of a piece sequence: a word starts at a <see cref="NerPiece.WordStart"/> piece and takes the continuations after it.</summary>
    public static NerWord[] Words(ReadOnlySpan<NerPiece> pieces)
    {
        var words = new List<NerWord>();
        for (var p = 0; p < pieces.Length; p++)
        {
            if (pieces[p].WordStart || words.Count == 0)
            {
                words.Add(new NerWord(pieces[p].Start, pieces[p].End, p));
            }
            else
            {
                var last = words[^1];
                words[^1] = last with { End = Math.Max(last.End, pieces[p].End) };
            }
        }

        return [.. words];
    }

    /// <summary>
    /// Gold IOB2 tags of the words (see <see cref="Iob2"/>) from gold character spans that do not overlap: a word
    /// that shares a character with an entity takes its type, <c>B-</c> on the entity's first such word and
    /// <c>I-</c> on the next ones; other words are <c>O</c>.
    /// </summary>
    public static int[] GoldWordTags(IReadOnlyList<NerWord> words, IReadOnlyList<NerEntity> entities)
    {
        ArgumentNullException.ThrowIfNull(words);
        ArgumentNullException.ThrowIfNull(entities);
        var tags = new int[words.Count];
        var sorted = entities.OrderBy(e => e.Start).ThenBy(e => e.End).ToArray();
        var e = 0;
        var previousEntity = -1;
        for (var w = 0; w < words.Count; w++)
        {
            var word = words[w];
            while (e < sorted.Length && sorted[e].End <= word.Start)
            {
                e++;
            }

            if (e < sorted.Length && sorted[e].Start < word.End && word.Start < sorted[e].End && word.End > word.Start)
            {
                tags[w] = previousEntity == e ? Iob2.Inside(sorted[e].Type) : Iob2.Begin(sorted[e].Type);
                previousEntity = e;
            }
            else
            {
                previousEntity = -1;
            }
        }

        return tags;
    }

    /// <summary>Entities over words (<c>[first word, last word + 1)</c>) as character spans of the original text.</summary>
    public static List<NerEntity> ToCharacterSpans(IReadOnlyList<NerWord> words, IEnumerable<NerEntity> wordEntities)
    {
        ArgumentNullException.ThrowIfNull(words);
        ArgumentNullException.ThrowIfNull(wordEntities);
        return [.. wordEntities.Select(e => new NerEntity(words[e.Start].Start, words[e.End - 1].End, e.Type))];
    }
}
