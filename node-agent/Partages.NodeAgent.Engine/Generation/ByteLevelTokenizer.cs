using System.Text.Json;
using System.Text;
using System.Text.RegularExpressions;
using Partages.Evaluation.Tokenization;

namespace Partages.NodeAgent.Engine.Generation;

/// <summary>
/// A Hugging Face <c>tokenizer.json</c> with a byte-level BPE model and the GPT-2 ByteLevel pre-tokenizer, read the way
/// the tokenizers library (and ONNX Runtime GenAI's) encodes: GPT-2's pre-token pattern, bytes mapped to printable
/// characters, merges applied by rank. It also gives each token's bytes, which the output constraint checks. Special
/// tokens written in a report are encoded as plain text, never as control tokens. Other layouts are refused.
/// </summary>
public sealed partial class ByteLevelTokenizer
{
    private static readonly IReadOnlyList<string> ByteToChar = ByteLevelAlphabet.ByteToChar;
    private static readonly Dictionary<char, byte> CharToByte = ByteToChar.Select((c, b) => (c[0], (byte)b)).ToDictionary(p => p.Item1, p => p.Item2);

    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<(string, string), int> _ranks;
    private readonly Dictionary<string, int[]> _cache = new(StringComparer.Ordinal);

    private ByteLevelTokenizer(Dictionary<string, int> vocab, Dictionary<(string, string), int> ranks, HashSet<int> special)
    {
        _vocab = vocab;
        _ranks = ranks;
        VocabularySize = vocab.Values.Max() + 1;
        TokenBytes = new byte[VocabularySize][];
        foreach (var (token, id) in vocab)
        {
            // A special token (end of text) has no bytes: the constraint never lets it into an output.
            TokenBytes[id] = special.Contains(id) || !token.All(CharToByte.ContainsKey) ? [] : [.. token.Select(c => CharToByte[c])];
        }

        for (var i = 0; i < TokenBytes.Length; i++)
        {
            TokenBytes[i] ??= [];
        }
    }

    public int VocabularySize { get; }

    /// <summary>Each token id's bytes (empty for special tokens and unused ids).</summary>
    public byte[][] TokenBytes { get; }

    /// <exception cref="InvalidDataException">The file is not a byte-level BPE tokenizer.json (the reason names what).</exception>
    public static ByteLevelTokenizer Read(string path)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{Path.GetFileName(path)} is not valid JSON: {ex.Message}", ex);
        }

        using (document)
        {
            var root = document.RootElement;
            if (!root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object
                || !model.TryGetProperty("type", out var type) || type.GetString() != "BPE")
            {
                throw new InvalidDataException($"{Path.GetFileName(path)}: model.type must be BPE");
            }

            if (!root.TryGetProperty("pre_tokenizer", out var pre) || pre.ValueKind != JsonValueKind.Object
                || pre.GetProperty("type").GetString() != "ByteLevel"
                || (pre.TryGetProperty("use_regex", out var regex) && regex.ValueKind == JsonValueKind.False)
                || (pre.TryGetProperty("add_prefix_space", out var prefix) && prefix.ValueKind == JsonValueKind.True))
            {
                throw new InvalidDataException($"{Path.GetFileName(path)}: only the GPT-2 ByteLevel pre-tokenizer (use_regex true, add_prefix_space false) is supported");
            }

            var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var entry in model.GetProperty("vocab").EnumerateObject())
            {
                vocab[entry.Name] = entry.Value.GetInt32();
            }

            var ranks = new Dictionary<(string, string), int>();
            var rank = 0;
            foreach (var merge in model.GetProperty("merges").EnumerateArray())
            {
                var pair = merge.ValueKind == JsonValueKind.Array
                    ? (merge[0].GetString()!, merge[1].GetString()!)
                    : merge.GetString()!.Split(' ') is [var left, var right] ? (left, right) : throw new InvalidDataException($"{Path.GetFileName(path)}: merge '{merge}' is not two symbols");
                ranks.TryAdd(pair, rank++);
            }

            var special = new HashSet<int>();
            if (root.TryGetProperty("added_tokens", out var added) && added.ValueKind == JsonValueKind.Array)
            {
                foreach (var token in added.EnumerateArray())
                {
                    var id = token.GetProperty("id").GetInt32();
                    vocab.TryAdd(token.GetProperty("content").GetString()!, id);
                    special.Add(id);
                }
            }

            if (vocab.Count == 0)
            {
                throw new InvalidDataException($"{Path.GetFileName(path)}: the vocabulary is empty");
            }

            return new ByteLevelTokenizer(vocab, ranks, special);
        }
    }

    /// <summary>The ids of <paramref name="text"/>.</summary>
    /// <exception cref="InvalidDataException">A byte has no token (the vocabulary lacks a base byte).</exception>
    public List<int> Encode(string text)
    {
        var ids = new List<int>();
        foreach (Match piece in PreTokenizer().Matches(text))
        {
            if (!_cache.TryGetValue(piece.Value, out var pieceIds))
            {
                pieceIds = EncodePiece(piece.Value);
                if (_cache.Count < 100_000)
                {
                    _cache[piece.Value] = pieceIds;
                }
            }

            ids.AddRange(pieceIds);
        }

        return ids;
    }

    /// <summary>The bytes of <paramref name="ids"/>, concatenated.</summary>
    public byte[] Bytes(IEnumerable<int> ids) => [.. ids.SelectMany(id => id >= 0 && id < TokenBytes.Length ? TokenBytes[id] : [])];

    private int[] EncodePiece(string piece)
    {
        var symbols = Encoding.UTF8.GetBytes(piece).Select(b => ByteToChar[b]).ToList();
        while (symbols.Count > 1)
        {
            var best = -1;
            var bestRank = int.MaxValue;
            for (var i = 0; i + 1 < symbols.Count; i++)
            {
                if (_ranks.TryGetValue((symbols[i], symbols[i + 1]), out var rank) && rank < bestRank)
                {
                    bestRank = rank;
                    best = i;
                }
            }

            if (best < 0)
            {
                break;
            }

            // Every occurrence of the best pair merges, left to right, as the tokenizers library does.
            var (left, right) = (symbols[best], symbols[best + 1]);
            for (var i = 0; i + 1 < symbols.Count; i++)
            {
                if (symbols[i] == left && symbols[i + 1] == right)
                {
                    symbols[i] = left + right;
                    symbols.RemoveAt(i + 1);
                }
            }
        }

        return [.. symbols.Select(s => _vocab.TryGetValue(s, out var id) ? id : throw new InvalidDataException($"the tokenizer has no token for '{s}'"))];
    }


    /// <summary>GPT-2's pre-tokenizer pattern (what the ByteLevel pre-tokenizer with use_regex applies).</summary>
    [GeneratedRegex(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+", RegexOptions.CultureInvariant)]
    private static partial Regex PreTokenizer();
}
