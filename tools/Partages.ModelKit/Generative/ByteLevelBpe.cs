using System.Text.Json;
using System.Text.Json.Nodes;
using Partages.Evaluation.Tokenization;

namespace Partages.ModelKit.Generative;

/// <summary>
/// A GPT-2 style byte-level BPE vocabulary (the tokenizer.json family ONNX Runtime GenAI reads through
/// onnxruntime-extensions as <c>GPT2Tokenizer</c>), learnt from a fixed word list so that every listed word is a
/// single token: the decoder's hand-set tables are indexed by those tokens.
/// </summary>
/// <remarks>
/// Why learn merges instead of writing one merge chain per word: BPE applies merges by rank across the whole
/// pre-token, so independent chains can cut each other off (a word's inner pair merging before its prefix).
/// Greedy learning on the word list itself cannot: encoding a training word replays exactly the merges learnt on
/// it, in the same order, so it ends as the single symbol the learning stopped at.
/// </remarks>
public sealed class ByteLevelBpe
{
    /// <summary>The end-of-text token, also the padding and unknown token (as in GPT-2).</summary>
    public const string EndOfText = "<|endoftext|>";

    private static readonly IReadOnlyList<string> ByteToUnicode = ByteLevelAlphabet.ByteToChar;

    private readonly Dictionary<string, int> _ids;

    private ByteLevelBpe(List<string> tokens, List<(string Left, string Right)> merges)
    {
        Tokens = tokens;
        Merges = merges;
        _ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < tokens.Count; i++)
        {
            _ids[tokens[i]] = i;
        }
    }

    /// <summary>Tokens in id order, in byte-level form (a leading space is "Ġ"); the last is <see cref="EndOfText"/>.</summary>
    public IReadOnlyList<string> Tokens { get; }

    public IReadOnlyList<(string Left, string Right)> Merges { get; }

    public int EndOfTextId => Tokens.Count - 1;

    /// <summary>Learns merges until every word of <paramref name="words"/> (plain text, e.g. " muté") is one token.</summary>
    public static ByteLevelBpe Learn(IEnumerable<string> words)
    {
        var symbols = words.Distinct(StringComparer.Ordinal)
            .Select(w => Encoding.UTF8.GetBytes(w).Select(b => ByteToUnicode[b]).ToList())
            .ToList();
        var tokens = Enumerable.Range(0, 256).Select(b => ByteToUnicode[b]).ToList();
        var known = new HashSet<string>(tokens, StringComparer.Ordinal);
        var merges = new List<(string, string)>();
        while (true)
        {
            // Most frequent adjacent pair; ties broken by ordinal order so the vocabulary never depends on hashing.
            var counts = new Dictionary<(string, string), int>();
            foreach (var word in symbols)
            {
                for (var i = 0; i + 1 < word.Count; i++)
                {
                    var pair = (word[i], word[i + 1]);
                    counts[pair] = counts.GetValueOrDefault(pair) + 1;
                }
            }

            if (counts.Count == 0)
            {
                break;
            }

            var best = counts.OrderByDescending(p => p.Value)
                .ThenBy(p => p.Key.Item1, StringComparer.Ordinal)
                .ThenBy(p => p.Key.Item2, StringComparer.Ordinal)
                .First().Key;
            merges.Add(best);
            var merged = best.Item1 + best.Item2;
            if (known.Add(merged))
            {
                tokens.Add(merged);
            }

            foreach (var word in symbols)
            {
                for (var i = 0; i + 1 < word.Count; i++)
                {
                    if (word[i] == best.Item1 && word[i + 1] == best.Item2)
                    {
                        word[i] = merged;
                        word.RemoveAt(i + 1);
                    }
                }
            }
        }

        tokens.Add(EndOfText);
        return new ByteLevelBpe(tokens, merges);
    }

    /// <summary>The id of a word given as plain text (" muté"); it must be one of the learnt words.</summary>
    public int IdOf(string word) =>
        _ids.TryGetValue(ToByteLevel(word), out var id)
            ? id
            : throw new ArgumentException($"'{word}' is not a single token of this vocabulary.", nameof(word));

    public static string ToByteLevel(string text) => string.Concat(Encoding.UTF8.GetBytes(text).Select(b => ByteToUnicode[b]));

    /// <summary>The Hugging Face tokenizer.json (BPE model, ByteLevel pre-tokenizer and decoder).</summary>
    public string TokenizerJson()
    {
        var vocab = new JsonObject();
        for (var i = 0; i < Tokens.Count; i++)
        {
            vocab[Tokens[i]] = i;
        }

        var merges = new JsonArray(Merges.Select(m => (JsonNode)JsonValue.Create(m.Left + " " + m.Right)!).ToArray());
        var byteLevel = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = true };
        var root = new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = new JsonArray(new JsonObject
            {
                ["id"] = EndOfTextId,
                ["content"] = EndOfText,
                ["single_word"] = false,
                ["lstrip"] = false,
                ["rstrip"] = false,
                ["normalized"] = true,
                ["special"] = true,
            }),
            ["normalizer"] = null,
            ["pre_tokenizer"] = byteLevel,
            ["post_processor"] = byteLevel.DeepClone(),
            ["decoder"] = byteLevel.DeepClone(),
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["dropout"] = null,
                ["unk_token"] = null,
                ["continuing_subword_prefix"] = string.Empty,
                ["end_of_word_suffix"] = string.Empty,
                ["fuse_unk"] = false,
                ["byte_fallback"] = false,
                ["vocab"] = vocab,
                ["merges"] = merges,
            },
        };
        return root.ToJsonString(JsonOptions);
    }

    /// <summary>tokenizer_config.json: the class onnxruntime-extensions maps to its BPE tokenizer, no BOS added.</summary>
    public static string TokenizerConfigJson(int contextLength) => new JsonObject
    {
        ["add_bos_token"] = false,
        ["add_prefix_space"] = false,
        ["bos_token"] = EndOfText,
        ["eos_token"] = EndOfText,
        ["unk_token"] = EndOfText,
        ["model_max_length"] = contextLength,
        ["tokenizer_class"] = "GPT2Tokenizer",
    }.ToJsonString(JsonOptions);

    internal static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };
}
