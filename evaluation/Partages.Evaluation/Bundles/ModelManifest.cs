using System.Text.Json;
using System.Text.Json.Serialization;

namespace Partages.Evaluation.Bundles;

/// <summary>
/// The <c>manifest.json</c> at the root of a model bundle (a zip holding the ONNX graph, the
/// tokenizer files and this manifest). Field by field in docs/model-bundle.md.
/// </summary>
public sealed record ModelManifest
{
    public const string CurrentSchema = "partages.model-bundle/v1";
    public const string FileName = "manifest.json";

    public string Schema { get; init; } = CurrentSchema;
    public required string Name { get; init; }
    public string Version { get; init; } = "1.0.0";
    /// <summary>One of <see cref="TaskTypes"/>.</summary>
    public required string Task { get; init; }
    /// <summary>Output classes, in the order of the logits' last dimension.</summary>
    public required IReadOnlyList<string> Labels { get; init; }
    public int MaxLength { get; init; } = 128;
    /// <summary>Path of the ONNX graph inside the bundle.</summary>
    public string Model { get; init; } = "model.onnx";
    public required TokenizerSpec Tokenizer { get; init; }
    public ModelInputs Inputs { get; init; } = new();
    public ModelOutputs Outputs { get; init; } = new();

    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        WriteIndented = true,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <exception cref="InvalidDataException">The JSON is not a manifest this version understands.</exception>
    public static ModelManifest FromJson(string json)
    {
        ModelManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<ModelManifest>(json, JsonOptions);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{FileName} is not valid: {ex.Message}", ex);
        }

        if (manifest is null)
        {
            throw new InvalidDataException($"{FileName} is empty.");
        }

        var errors = manifest.Validate();
        if (errors.Count > 0)
        {
            throw new InvalidDataException($"{FileName} is not valid:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", errors));
        }

        return manifest;
    }

    /// <summary>Every problem with this manifest, or none.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Schema != CurrentSchema)
        {
            errors.Add($"schema: '{Schema}' is not supported (expected '{CurrentSchema}')");
        }

        if (!TaskTypes.All.Contains(Task))
        {
            errors.Add($"task: '{Task}' is not one of {string.Join(", ", TaskTypes.All)}");
        }

        if (Labels is null || Labels.Count == 0)
        {
            errors.Add("labels: at least one label is required");
        }
        else if (Labels.Distinct(StringComparer.Ordinal).Count() != Labels.Count)
        {
            errors.Add("labels: a label appears twice");
        }

        if (MaxLength is < 8 or > 8192)
        {
            errors.Add($"max_length: {MaxLength} is outside 8..8192");
        }

        if (string.IsNullOrWhiteSpace(Model))
        {
            errors.Add("model: the ONNX graph's path inside the bundle is required");
        }

        if (Tokenizer is null)
        {
            errors.Add("tokenizer: required");
        }
        else if (Tokenizer.Kind != TokenizerSpec.BertWordPiece)
        {
            errors.Add($"tokenizer.kind: '{Tokenizer.Kind}' is not supported (expected '{TokenizerSpec.BertWordPiece}')");
        }

        return errors;
    }
}

public sealed record TokenizerSpec
{
    public const string BertWordPiece = "bert_wordpiece";

    public string Kind { get; init; } = BertWordPiece;
    /// <summary>Path of the vocabulary inside the bundle.</summary>
    public string Vocab { get; init; } = "vocab.txt";
    public bool Lowercase { get; init; } = true;
    public bool StripAccents { get; init; } = true;
}

/// <summary>Names of the graph's inputs; a null <see cref="TokenTypeIds"/> means the graph has none.</summary>
public sealed record ModelInputs
{
    public string InputIds { get; init; } = "input_ids";
    public string AttentionMask { get; init; } = "attention_mask";
    public string? TokenTypeIds { get; init; }
}

public sealed record ModelOutputs
{
    public string Logits { get; init; } = "logits";
}

public static class TaskTypes
{
    public const string SingleLabelClassification = "single_label_classification";

    public static IReadOnlyList<string> All { get; } = [SingleLabelClassification];
}
