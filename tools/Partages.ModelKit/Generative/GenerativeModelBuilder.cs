using Partages.ModelKit.Synthetic;
using System.Text.Json.Nodes;
using Google.Protobuf;

namespace Partages.ModelKit.Generative;

/// <summary>What <see cref="GenerativeModelBuilder.Build"/> wrote: an ONNX Runtime GenAI model folder.</summary>
public sealed record GenerativeModel(string Directory, StatusVocabulary Vocabulary, int ContextLength)
{
    public int EndOfTextId => Vocabulary.Bpe.EndOfTextId;
}

/// <summary>
/// Builds the kit's generative model folder as ONNX Runtime GenAI loads it: <c>genai_config.json</c>,
/// <c>model.onnx</c> (<see cref="StatusDecoderGraph"/>), <c>tokenizer.json</c> and <c>tokenizer_config.json</c>.
/// The vocabulary comes from fictional oncology reports drawn with their own seed (never the hospitals' reports).
/// </summary>
public static class GenerativeModelBuilder
{
    public const string ModelFileName = "model.onnx";
    public const string ProducerVersion = "1";

    /// <summary>Longest prompt plus generation the config allows; the fictional reports stay far below it.</summary>
    public const int ContextLength = 4096;

    private const ulong VocabularySeed = 0x6E65_7261_7469_6601;
    private const int VocabularyReports = 400;
    private const int MinimumWordCount = 5;

    /// <param name="neverStops">Write the variant whose output never ends (for token-budget tests).</param>
    /// <param name="compute">Extra layers that add per-token compute without changing any output (<see cref="ComputeLayers"/>, benchmarks); null: none.</param>
    public static GenerativeModel Build(string directory, bool neverStops = false, ComputeSize? compute = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        System.IO.Directory.CreateDirectory(directory);
        var corpus = OncologyReportGenerator.Generate(SyntheticHospitals.Training, VocabularyReports, VocabularySeed).Select(r => r.Text);
        var vocabulary = StatusVocabulary.Build(corpus, MinimumWordCount, neverStops);
        var model = StatusDecoderGraph.Build(vocabulary, ProducerVersion);
        if (compute is not null)
        {
            ComputeLayers.Add(model.Graph, compute, vocabulary.Bpe.Tokens.Count, StatusDecoderGraph.HeadSize(vocabulary));
        }

        File.WriteAllBytes(Path.Combine(directory, ModelFileName), model.ToByteArray());
        File.WriteAllText(Path.Combine(directory, "tokenizer.json"), vocabulary.Bpe.TokenizerJson());
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), ByteLevelBpe.TokenizerConfigJson(ContextLength));
        File.WriteAllText(Path.Combine(directory, "genai_config.json"), GenAiConfig(StatusDecoderGraph.HeadSize(vocabulary), vocabulary.Bpe, 1 + (compute?.Layers ?? 0)));
        return new GenerativeModel(directory, vocabulary, ContextLength);
    }

    /// <summary>
    /// The "llama" decoder type: separate key and value caches named past_key_values.%d.key|value and
    /// present.%d.key|value, one layer (more with compute layers), one key/value head of <see cref="StatusDecoderGraph.HeadSize"/>. No shared
    /// past/present buffer: the graph concatenates the cache itself. Greedy search by default. Shared with the kit's
    /// multiple-choice model, which has the same inputs and outputs.
    /// </summary>
    internal static string GenAiConfig(int head, ByteLevelBpe bpe, int layers = 1)
    {
        var eos = bpe.EndOfTextId;
        var config = new JsonObject
        {
            ["model"] = new JsonObject
            {
                ["bos_token_id"] = eos,
                ["context_length"] = ContextLength,
                ["decoder"] = new JsonObject
                {
                    ["session_options"] = new JsonObject { ["log_id"] = "onnxruntime-genai", ["provider_options"] = new JsonArray() },
                    ["filename"] = ModelFileName,
                    ["head_size"] = head,
                    ["hidden_size"] = head,
                    ["inputs"] = new JsonObject
                    {
                        ["input_ids"] = StatusDecoderGraph.InputIds,
                        ["attention_mask"] = StatusDecoderGraph.AttentionMask,
                        ["past_key_names"] = "past_key_values.%d.key",
                        ["past_value_names"] = "past_key_values.%d.value",
                    },
                    ["outputs"] = new JsonObject
                    {
                        ["logits"] = StatusDecoderGraph.Logits,
                        ["present_key_names"] = "present.%d.key",
                        ["present_value_names"] = "present.%d.value",
                    },
                    ["num_attention_heads"] = 1,
                    ["num_hidden_layers"] = layers,
                    ["num_key_value_heads"] = 1,
                },
                ["eos_token_id"] = eos,
                ["pad_token_id"] = eos,
                ["type"] = "llama",
                ["vocab_size"] = bpe.Tokens.Count,
            },
            ["search"] = new JsonObject
            {
                ["diversity_penalty"] = 0.0,
                ["do_sample"] = false,
                ["early_stopping"] = true,
                ["length_penalty"] = 1.0,
                ["max_length"] = ContextLength,
                ["min_length"] = 0,
                ["no_repeat_ngram_size"] = 0,
                ["num_beams"] = 1,
                ["num_return_sequences"] = 1,
                ["past_present_share_buffer"] = false,
                ["repetition_penalty"] = 1.0,
                ["temperature"] = 1.0,
                ["top_k"] = 1,
                ["top_p"] = 1.0,
            },
        };
        return config.ToJsonString(ByteLevelBpe.JsonOptions);
    }
}
