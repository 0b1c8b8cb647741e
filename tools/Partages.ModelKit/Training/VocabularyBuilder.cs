using Microsoft.ML.Tokenizers;
using Partages.Evaluation.Tokenization;

namespace Partages.ModelKit.Training;

/// <summary>
/// Builds a BERT WordPiece vocab.txt from a corpus: the special tokens, every single character and
/// its "##" continuation (so any word made of known characters tokenizes without [UNK]), then whole
/// words by decreasing frequency. Words are cut the way <see cref="BertEncoding"/> cuts them, by the
/// tokenizer's own normalizer and pre-tokenizer, so every listed word is reachable at inference.
/// </summary>
public static class VocabularyBuilder
{
    public const string Padding = "[PAD]";
    public const string Unknown = "[UNK]";
    public const string Classification = "[CLS]";
    public const string Separator = "[SEP]";
    public const string Mask = "[MASK]";

    /// <summary>[PAD] first: the ONNX graph and the node agent pad with id 0.</summary>
    public static IReadOnlyList<string> SpecialTokens { get; } = [Padding, Unknown, Classification, Separator, Mask];

    // Characters a French report may hold even if the training corpus happens not to: always listed,
    // so a hospital's unusual spelling degrades to characters rather than to [UNK].
    private const string BaseCharacters = "abcdefghijklmnopqrstuvwxyz0123456789.,;:!?()[]{}'\"-_/\\%&*#@<>=+°µœæ";

    /// <returns>The vocabulary in id order.</returns>
    public static IReadOnlyList<string> Build(IEnumerable<string> corpus, int maxWords, int minCount)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentOutOfRangeException.ThrowIfNegative(maxWords);
        ArgumentOutOfRangeException.ThrowIfLessThan(minCount, 1);

        var splitter = CreateSplitter();
        var wordCounts = new Dictionary<string, int>(StringComparer.Ordinal);
        var characters = new SortedSet<string>(BaseCharacters.Select(c => c.ToString()), StringComparer.Ordinal);

        foreach (var text in corpus)
        {
            foreach (var word in SplitWords(splitter, text))
            {
                // Surrogate pairs stay together: a lone surrogate is no token the tokenizer can emit.
                foreach (var rune in word.EnumerateRunes())
                {
                    characters.Add(rune.ToString());
                }

                if (word.Length > 1)
                {
                    wordCounts[word] = wordCounts.GetValueOrDefault(word) + 1;
                }
            }
        }

        var vocabulary = new List<string>(SpecialTokens);
        vocabulary.AddRange(characters);
        vocabulary.AddRange(characters.Select(c => "##" + c));
        vocabulary.AddRange(wordCounts
            .Where(pair => pair.Value >= minCount)
            .OrderByDescending(pair => pair.Value)
            .ThenBy(pair => pair.Key, StringComparer.Ordinal)
            .Take(maxWords)
            .Select(pair => pair.Key));
        return vocabulary;
    }

    /// <summary>One token a line, "\n" line ends, UTF-8 without BOM: the same bytes on every machine.</summary>
    public static byte[] ToVocabFileBytes(IReadOnlyList<string> vocabulary)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        var text = new StringBuilder();
        foreach (var token in vocabulary)
        {
            text.Append(token).Append('\n');
        }

        return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text.ToString());
    }

    /// <summary>The words of <paramref name="text"/> as the tokenizer sees them before WordPiece.</summary>
    internal static IEnumerable<string> SplitWords(BertTokenizer splitter, string text)
    {
        var folded = AccentFolding.Fold(text);
        var normalized = splitter.Normalizer?.Normalize(folded) ?? folded;
        if (splitter.PreTokenizer is null)
        {
            return normalized.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        }

        return splitter.PreTokenizer.PreTokenize(normalized)
            .Select(range => normalized.Substring(range.Offset, range.Length))
            .ToList();
    }

    /// <summary>A tokenizer over the special tokens only, used for its normalizer and pre-tokenizer.</summary>
    internal static BertTokenizer CreateSplitter()
    {
        using var stream = new MemoryStream(ToVocabFileBytes(SpecialTokens));
        return BertTokenizer.Create(stream, BertEncoding.CreateOptions());
    }
}
