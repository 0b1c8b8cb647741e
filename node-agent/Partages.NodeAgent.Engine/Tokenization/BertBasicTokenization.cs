using System.Globalization;
using System.Text;
using Partages.Evaluation.Tokenization;

namespace Partages.NodeAgent.Engine.Tokenization;

/// <summary>
/// The text side of Hugging Face's <c>BertTokenizer</c> (its <c>BasicTokenizer</c>), which is what a BERT or DrBERT
/// model exported from Hugging Face was trained with, done here because Microsoft.ML.Tokenizers 2.0.1's
/// <c>BertTokenizer</c> departs from it: its normalizer deletes <c>\t</c>, <c>\n</c> and <c>\r</c> as control
/// characters (gluing the words on either side of a line break) and its pre-tokenizer drops symbol characters
/// (<c>+ &lt; = ^ $ | ~</c> and backquote) that Hugging Face keeps as tokens. Both the classifier and entity recognition
/// cut text through this class.
/// <list type="number">
/// <item><see cref="Normalize"/>: removes NUL, U+FFFD and control/format characters (Unicode category C*, except tab
/// and line breaks), turns every whitespace character into a space, and, unless inside a special token such as
/// <c>[SEP]</c>, lower-cases (<c>lowercase</c>) and folds accents (<c>strip_accents</c>: <see cref="AccentFolding"/>,
/// then non-spacing marks removed, as NFD-then-drop-marks does). Characters are only deleted or replaced one for one,
/// and the map from each normalized character to its original one is kept for offsets.</item>
/// <item><see cref="PreTokenizer"/>: words are split on spaces; each punctuation character (Hugging Face's
/// definition: every ASCII non-alphanumeric printable character, and Unicode category P*) and each CJK ideograph is a
/// word of its own; a special token of the vocabulary is one word.</item>
/// </list>
/// Not reproduced: Python's <c>str.lower</c> on the few characters whose lower case is longer (İ), and NFC
/// composition (unavailable under invariant globalization); neither occurs in French clinical text.
/// </summary>
internal static class BertBasicTokenization
{
    /// <summary>
    /// The normalized text and, for each of its characters, the index of the original character it came from (one
    /// more entry, the original's length, closes the map); the map is null when it is the identity (nothing removed).
    /// </summary>
    public static (string Normalized, int[]? Map) Normalize(string text, bool lowercase, bool stripAccents, IReadOnlyList<string> specialTokens)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(specialTokens);
        var source = stripAccents ? AccentFolding.Fold(text) : text;
        if (IsOneForOne(source, stripAccents))
        {
            // The usual report: nothing to remove, no special token, no surrogate pair, so character i stays character i.
            return (string.Create(source.Length, (source, lowercase), static (span, state) =>
            {
                var (from, lower) = state;
                for (var k = 0; k < from.Length; k++)
                {
                    var c = from[k];
                    var space = c < 0x80 ? c is '\t' or '\n' or '\r' : char.GetUnicodeCategory(c) == UnicodeCategory.SpaceSeparator;
                    span[k] = space ? ' ' : lower ? char.ToLowerInvariant(c) : c;
                }
            }), null);
        }

        var builder = new StringBuilder(source.Length);
        var map = new List<int>(source.Length + 1);
        Span<char> buffer = stackalloc char[2];
        var i = 0;
        while (i < source.Length)
        {
            var special = SpecialTokenAt(source, i, specialTokens);
            if (special is not null)
            {
                // Hugging Face splits added tokens off before normalizing: they keep their case.
                for (var k = 0; k < special.Length; k++)
                {
                    builder.Append(source[i + k]);
                    map.Add(i + k);
                }

                i += special.Length;
                continue;
            }

            if (!Rune.TryGetRuneAt(source, i, out var rune))
            {
                // A lone surrogate: Python would read it as category Cs (control), which is removed.
                i++;
                continue;
            }

            var width = rune.Utf16SequenceLength;
            if (IsRemoved(rune) || (stripAccents && Rune.GetUnicodeCategory(rune) == UnicodeCategory.NonSpacingMark))
            {
                i += width;
                continue;
            }

            if (IsWhitespace(rune))
            {
                builder.Append(' ');
                map.Add(i);
            }
            else if (width == 1)
            {
                builder.Append(lowercase ? char.ToLowerInvariant(source[i]) : source[i]);
                map.Add(i);
            }
            else
            {
                var lower = lowercase ? Rune.ToLowerInvariant(rune) : rune;
                var written = lower.EncodeToUtf16(buffer);
                for (var k = 0; k < written; k++)
                {
                    builder.Append(buffer[k]);
                    map.Add(i + Math.Min(k, width - 1));
                }
            }

            i += width;
        }

        map.Add(text.Length);
        return (builder.ToString(), [.. map]);
    }

    /// <summary>No character of <paramref name="text"/> is removed or changes length, and no special token starts in it.</summary>
    private static bool IsOneForOne(string text, bool stripAccents)
    {
        foreach (var c in text)
        {
            if (c < 0x7F)
            {
                if (c < ' ' ? c is not ('\t' or '\n' or '\r') : c == '[')
                {
                    return false;
                }

                continue;
            }

            if (char.IsSurrogate(c) || c == '\uFFFD' || IsRemoved(new Rune(c))
                || (stripAccents && char.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Hugging Face's <c>_is_whitespace</c>: space, tab, line feed, carriage return, or category Zs.</summary>
    public static bool IsWhitespace(Rune rune) =>
        rune.Value is ' ' or '\t' or '\n' or '\r' || Rune.GetUnicodeCategory(rune) == UnicodeCategory.SpaceSeparator;

    /// <summary>Hugging Face's <c>_is_punctuation</c>: ASCII 33–47, 58–64, 91–96, 123–126, or any category P*.</summary>
    public static bool IsPunctuation(Rune rune)
    {
        var cp = rune.Value;
        if (cp is (>= 33 and <= 47) or (>= 58 and <= 64) or (>= 91 and <= 96) or (>= 123 and <= 126))
        {
            return true;
        }

        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
    }

    /// <summary>Hugging Face's <c>_is_chinese_char</c>: the CJK Unified Ideographs blocks, which are split one per word.</summary>
    public static bool IsCjk(Rune rune) => rune.Value is (>= 0x4E00 and <= 0x9FFF) or (>= 0x3400 and <= 0x4DBF) or (>= 0x20000 and <= 0x2A6DF)
        or (>= 0x2A700 and <= 0x2B73F) or (>= 0x2B740 and <= 0x2B81F) or (>= 0x2B820 and <= 0x2CEAF) or (>= 0xF900 and <= 0xFAFF)
        or (>= 0x2F800 and <= 0x2FA1F);

    /// <summary>Hugging Face's <c>_clean_text</c> removals: NUL, U+FFFD, and categories C* except tab and line breaks.</summary>
    private static bool IsRemoved(Rune rune)
    {
        if (rune.Value is 0 or 0xFFFD)
        {
            return true;
        }

        if (rune.Value is '\t' or '\n' or '\r')
        {
            return false;
        }

        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.PrivateUse
            or UnicodeCategory.OtherNotAssigned or UnicodeCategory.Surrogate;
    }

    private static string? SpecialTokenAt(ReadOnlySpan<char> text, int index, IReadOnlyList<string> specialTokens)
    {
        if (text[index] != '[')
        {
            return null;
        }

        foreach (var token in specialTokens)
        {
            if (text[index..].StartsWith(token, StringComparison.Ordinal))
            {
                return token;
            }
        }

        return null;
    }

    /// <summary>
    /// Words of a normalized text as Hugging Face's <c>BasicTokenizer</c> cuts them: split on spaces, every punctuation
    /// character and CJK ideograph alone, special tokens whole. Feeds Microsoft.ML.Tokenizers' WordPiece model.
    /// </summary>
    internal sealed class PreTokenizer(IReadOnlyList<string> specialTokens) : Microsoft.ML.Tokenizers.PreTokenizer
    {
        public override IEnumerable<(int Offset, int Length)> PreTokenize(string text) =>
            text is null ? [] : Split(text.AsSpan());

        public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text) => Split(text);

        private List<(int Offset, int Length)> Split(ReadOnlySpan<char> text)
        {
            var words = new List<(int Offset, int Length)>();
            var start = -1;
            var i = 0;
            while (i < text.Length)
            {
                var c = text[i];
                if (c < 0x80 && c != '[')
                {
                    // ASCII, most of a French report: the same rules without decoding a rune.
                    if (c is ' ' or '\t' or '\n' or '\r')
                    {
                        Close(words, ref start, i);
                    }
                    else if (c is (>= '!' and <= '/') or (>= ':' and <= '@') or (>= '[' and <= '`') or (>= '{' and <= '~'))
                    {
                        Close(words, ref start, i);
                        words.Add((i, 1));
                    }
                    else if (start < 0)
                    {
                        start = i;
                    }

                    i++;
                    continue;
                }

                var special = SpecialTokenAt(text, i, specialTokens);
                if (special is not null)
                {
                    Close(words, ref start, i);
                    words.Add((i, special.Length));
                    i += special.Length;
                    continue;
                }

                var status = Rune.DecodeFromUtf16(text[i..], out var rune, out var width);
                if (status != System.Buffers.OperationStatus.Done)
                {
                    // Normalize removed lone surrogates; any left are kept inside the word.
                    width = 1;
                    start = start < 0 ? i : start;
                }
                else if (IsWhitespace(rune))
                {
                    Close(words, ref start, i);
                }
                else if (IsPunctuation(rune) || IsCjk(rune))
                {
                    Close(words, ref start, i);
                    words.Add((i, width));
                }
                else if (start < 0)
                {
                    start = i;
                }

                i += width;
            }

            Close(words, ref start, text.Length);
            return words;
        }

        private static void Close(List<(int Offset, int Length)> words, ref int start, int end)
        {
            if (start >= 0)
            {
                words.Add((start, end - start));
                start = -1;
            }
        }
    }
}
