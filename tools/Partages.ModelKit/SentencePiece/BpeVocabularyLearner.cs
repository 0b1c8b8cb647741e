namespace Partages.ModelKit.SentencePiece;

/// <summary>How many pieces to learn and how long they may be.</summary>
public sealed record BpeLearnerOptions
{
    /// <summary>Pieces in the model, the three special ones and every character included.</summary>
    public int VocabularySize { get; init; } = 4000;

    /// <summary>A merge must be seen at least this often in the corpus (word occurrences).</summary>
    public int MinPairCount { get; init; } = 2;

    /// <summary>Longest piece, in characters (sentencepiece's <c>max_sentencepiece_length</c> default).</summary>
    public int MaxPieceLength { get; init; } = 16;
}

/// <summary>
/// Learns a SentencePiece BPE model from a corpus, the way sentencepiece's BPE trainer does in substance, with a
/// procedure short enough to read:
/// <list type="number">
/// <item>each text is prepared as the tokenizer will see it (<see cref="SentencePieceText.Prepare"/>) and split on
/// spaces; a word is the symbol <c>▁</c> followed by its characters, and identical words are counted once with
/// their frequency;</item>
/// <item>the initial pieces are every character of the corpus plus a fixed base set (so a hospital's unusual
/// spelling degrades to characters, not to <c>&lt;unk&gt;</c>), and <c>▁</c>;</item>
/// <item>repeatedly, the adjacent pair of symbols seen most often across words (weighted by word frequency; ties
/// broken by the ordinal order of the two symbols) becomes one new piece, and every occurrence is merged, until the
/// vocabulary is full or no pair is seen <see cref="BpeLearnerOptions.MinPairCount"/> times. A piece never mixes
/// letters, digits and other characters (a leading <c>▁</c> aside), as sentencepiece splits by Unicode script and
/// number, and is at most <see cref="BpeLearnerOptions.MaxPieceLength"/> characters;</item>
/// <item>the k-th merged piece scores <c>-k</c>, so a BPE tokenizer, which applies the highest-scoring merge first,
/// replays the merges in the order they were learnt; characters score below every merge.</item>
/// </list>
/// Ids follow the CamemBERT file's layout: <c>&lt;unk&gt;</c> 0, <c>&lt;s&gt;</c> 1, <c>&lt;/s&gt;</c> 2, no pad piece,
/// then the merged pieces, then the characters. Deterministic: no hash order reaches the result.
/// </summary>
public static class BpeVocabularyLearner
{
    public const char WordBoundary = '\u2581';

    private const string BaseCharacters =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,;:!?()[]{}'\"-_/\\%&*#@<>=+°µœæàâäçéèêëîïôöùûüÿÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŒÆ";

    public static SentencePieceModelFile Learn(IEnumerable<string> corpus, BpeLearnerOptions options)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MinPairCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxPieceLength, 2);

        var wordCounts = new Dictionary<string, long>(StringComparer.Ordinal);
        var characters = new SortedSet<string>(StringComparer.Ordinal) { WordBoundary.ToString() };
        foreach (var rune in BaseCharacters.EnumerateRunes())
        {
            characters.Add(rune.ToString());
        }

        foreach (var text in corpus)
        {
            foreach (var word in SentencePieceText.Prepare(text).Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                wordCounts[word] = wordCounts.GetValueOrDefault(word) + 1;
                foreach (var rune in word.EnumerateRunes())
                {
                    characters.Add(rune.ToString());
                }
            }
        }

        var specials = new[]
        {
            new SentencePieceEntry(SentencePieceModelFile.UnknownPiece, 0, PieceType.Unknown),
            new SentencePieceEntry(SentencePieceModelFile.BosPiece, 0, PieceType.Control),
            new SentencePieceEntry(SentencePieceModelFile.EosPiece, 0, PieceType.Control),
        };
        var budget = options.VocabularySize - specials.Length - characters.Count;
        if (budget < 0)
        {
            throw new ArgumentException($"A vocabulary of {options.VocabularySize} cannot hold the corpus's {characters.Count} characters.", nameof(options));
        }

        var merges = LearnMerges(wordCounts, budget, options);
        var pieces = new List<SentencePieceEntry>(specials);
        pieces.AddRange(merges.Select((piece, k) => new SentencePieceEntry(piece, -(k + 1), PieceType.Normal)));
        pieces.AddRange(characters.Select((c, k) => new SentencePieceEntry(c, -(merges.Count + 1 + k), PieceType.Normal)));
        return new SentencePieceModelFile(SentencePieceModelType.Bpe, pieces);
    }

    private static List<string> LearnMerges(Dictionary<string, long> wordCounts, int budget, BpeLearnerOptions options)
    {
        // Words in ordinal order, so every later step sees them in the same order on every machine.
        var words = wordCounts.OrderBy(pair => pair.Key, StringComparer.Ordinal)
            .Select(pair => (Symbols: Symbols(pair.Key), pair.Value))
            .ToList();
        var pairCounts = new Dictionary<(string Left, string Right), long>();
        var pairWords = new Dictionary<(string Left, string Right), SortedSet<int>>();
        for (var w = 0; w < words.Count; w++)
        {
            AddPairs(words[w].Symbols, words[w].Value, w, pairCounts, pairWords, options.MaxPieceLength);
        }

        var merges = new List<string>(budget);
        while (merges.Count < budget)
        {
            (string Left, string Right)? best = null;
            long bestCount = options.MinPairCount - 1;
            foreach (var (pair, count) in pairCounts)
            {
                if (count > bestCount || (count == bestCount && best is { } current && Compare(pair, current) < 0))
                {
                    best = pair;
                    bestCount = count;
                }
            }

            if (best is not { } chosen)
            {
                break;
            }

            var merged = chosen.Left + chosen.Right;
            merges.Add(merged);
            foreach (var w in pairWords[chosen].ToArray())
            {
                var (symbols, count) = words[w];
                RemovePairs(symbols, count, w, pairCounts, pairWords, options.MaxPieceLength);
                var next = new List<string>(symbols.Count);
                for (var i = 0; i < symbols.Count; i++)
                {
                    if (i + 1 < symbols.Count && symbols[i] == chosen.Left && symbols[i + 1] == chosen.Right)
                    {
                        next.Add(merged);
                        i++;
                    }
                    else
                    {
                        next.Add(symbols[i]);
                    }
                }

                words[w] = (next, count);
                AddPairs(next, count, w, pairCounts, pairWords, options.MaxPieceLength);
            }
        }

        return merges;
    }

    private static List<string> Symbols(string word)
    {
        var symbols = new List<string>(word.Length + 1) { WordBoundary.ToString() };
        symbols.AddRange(word.EnumerateRunes().Select(rune => rune.ToString()));
        return symbols;
    }

    /// <summary>Counts the word's adjacent pairs that may merge; pairs that never may are not tracked at all.</summary>
    private static void AddPairs(List<string> symbols, long count, int word, Dictionary<(string, string), long> counts, Dictionary<(string, string), SortedSet<int>> where, int maxLength)
    {
        for (var i = 0; i + 1 < symbols.Count; i++)
        {
            var pair = (symbols[i], symbols[i + 1]);
            if (!Mergeable(pair.Item1, pair.Item2, maxLength))
            {
                continue;
            }

            counts[pair] = counts.GetValueOrDefault(pair) + count;
            if (!where.TryGetValue(pair, out var set))
            {
                where[pair] = set = [];
            }

            set.Add(word);
        }
    }

    private static void RemovePairs(List<string> symbols, long count, int word, Dictionary<(string, string), long> counts, Dictionary<(string, string), SortedSet<int>> where, int maxLength)
    {
        for (var i = 0; i + 1 < symbols.Count; i++)
        {
            var pair = (symbols[i], symbols[i + 1]);
            if (!Mergeable(pair.Item1, pair.Item2, maxLength))
            {
                continue;
            }

            var left = counts[pair] - count;
            if (left == 0)
            {
                counts.Remove(pair);
                where.Remove(pair);
            }
            else
            {
                counts[pair] = left;
                where[pair].Remove(word);
            }
        }
    }

    private static int Compare((string Left, string Right) a, (string Left, string Right) b)
    {
        var left = string.CompareOrdinal(a.Left, b.Left);
        return left != 0 ? left : string.CompareOrdinal(a.Right, b.Right);
    }

    /// <summary>At most the longest piece, and one class of characters: letters, digits or other (a leading ▁ aside).</summary>
    private static bool Mergeable(string left, string right, int maxLength)
    {
        var merged = left + right;
        var body = merged.TrimStart(WordBoundary);
        if (body.Length == 0 || body.Contains(WordBoundary, StringComparison.Ordinal))
        {
            return false;
        }

        var runes = body.EnumerateRunes().ToList();
        if (runes.Count + (merged.Length - body.Length) > maxLength)
        {
            return false;
        }

        var first = Class(runes[0]);
        return runes.All(rune => Class(rune) == first);
    }

    private static int Class(Rune rune) => Rune.GetUnicodeCategory(rune) switch
    {
        UnicodeCategory.DecimalDigitNumber => 1,
        var category when Rune.IsLetter(rune) || category is UnicodeCategory.NonSpacingMark => 0,
        _ => 2,
    };
}
