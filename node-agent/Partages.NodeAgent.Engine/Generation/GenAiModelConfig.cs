using System.Globalization;
using System.Text.Json;

namespace Partages.NodeAgent.Engine.Generation;

/// <summary>
/// What the node checks in an ONNX Runtime GenAI model folder's <c>genai_config.json</c> before GenAI loads it: the
/// decoder graph, the input and output names it must have (GenAI's defaults when absent, <see cref="DecoderGraph"/>),
/// the cache layout, the context length and the stop tokens. Only separate key and value caches are supported
/// (GenAI's "llama"-style layout).
/// </summary>
public sealed record GenAiModelConfig(
    string ModelPath,
    string InputIds,
    string AttentionMask,
    string PastKey,
    string PastValue,
    string Logits,
    string PresentKey,
    string PresentValue,
    int Layers,
    int KeyValueHeads,
    int HeadSize,
    int ContextLength,
    IReadOnlyList<int> EndOfTextIds)
{
    public const string FileName = "genai_config.json";

    /// <summary>Reads <c>genai_config.json</c> from <paramref name="directory"/>.</summary>
    /// <exception cref="InvalidDataException">The file is missing, not JSON, or lacks or mistypes a field (named in the message).</exception>
    public static GenAiModelConfig Read(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            throw new InvalidDataException($"The generative model folder '{directory}' has no {FileName}.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path} is not valid JSON: {ex.Message}", ex);
        }

        using (document)
        {
            var model = Object(document.RootElement, "model", path);
            var decoder = Object(model, "model.decoder", path);
            var inputs = Optional(decoder, "inputs");
            var outputs = Optional(decoder, "outputs");
            if (inputs is { } i && i.TryGetProperty("past_names", out _))
            {
                throw new InvalidDataException($"{path}: model.decoder.inputs.past_names (combined key/value caches) is not supported; use past_key_names and past_value_names.");
            }

            var filename = String(decoder, "filename", "model.decoder.filename", path);
            return new GenAiModelConfig(
                ModelPath: Path.Combine(directory, filename),
                InputIds: Name(inputs, "input_ids", "input_ids"),
                AttentionMask: Name(inputs, "attention_mask", "attention_mask"),
                PastKey: Name(inputs, "past_key_names", "past_key_values.%d.key"),
                PastValue: Name(inputs, "past_value_names", "past_key_values.%d.value"),
                Logits: Name(outputs, "logits", "logits"),
                PresentKey: Name(outputs, "present_key_names", "present.%d.key"),
                PresentValue: Name(outputs, "present_value_names", "present.%d.value"),
                Layers: Positive(decoder, "num_hidden_layers", "model.decoder.num_hidden_layers", path),
                KeyValueHeads: Positive(decoder, "num_key_value_heads", "model.decoder.num_key_value_heads", path),
                HeadSize: Positive(decoder, "head_size", "model.decoder.head_size", path),
                ContextLength: Positive(model, "context_length", "model.context_length", path),
                EndOfTextIds: EndOfText(model, path));
        }
    }

    /// <summary>A per-layer name such as "past_key_values.%d.key" for <paramref name="layer"/>.</summary>
    public static string ForLayer(string template, int layer) =>
        template.Replace("%d", layer.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

    private static JsonElement Object(JsonElement parent, string dotted, string path)
    {
        var name = dotted[(dotted.LastIndexOf('.') + 1)..];
        return parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object
            ? value
            : throw new InvalidDataException($"{path}: '{dotted}' is missing or not an object.");
    }

    private static JsonElement? Optional(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object ? value : null;

    private static string Name(JsonElement? parent, string name, string fallback) =>
        parent is { } p && p.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } s ? s : fallback;

    private static string String(JsonElement parent, string name, string dotted, string path) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } s
            ? s
            : throw new InvalidDataException($"{path}: '{dotted}' is missing or not a non-empty string.");

    private static int Positive(JsonElement parent, string name, string dotted, string path) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) && n > 0
            ? n
            : throw new InvalidDataException($"{path}: '{dotted}' is missing or not a positive integer.");

    /// <summary>GenAI accepts one id or a list of ids.</summary>
    private static int[] EndOfText(JsonElement model, string path)
    {
        if (model.TryGetProperty("eos_token_id", out var value))
        {
            if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var one))
            {
                return [one];
            }

            if (value.ValueKind == JsonValueKind.Array && value.GetArrayLength() > 0 && value.EnumerateArray().All(v => v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out _)))
            {
                return value.EnumerateArray().Select(v => v.GetInt32()).ToArray();
            }
        }

        throw new InvalidDataException($"{path}: 'model.eos_token_id' is missing or not an integer or a list of integers.");
    }
}
