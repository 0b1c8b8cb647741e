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

    /// <summary>
    /// Word pieces shared by consecutive windows of a long document. 0 (the default) truncates a document to its
    /// first <c>max_length - 2</c> pieces; above 0 the document is read in windows of <c>max_length - 2</c> pieces,
    /// each starting <c>max_length - 2 - stride</c> pieces after the previous one, as Hugging Face's
    /// <c>return_overflowing_tokens</c>.
    /// </summary>
    public int Stride { get; init; }

    /// <summary>How the windows' class probabilities make one document's: one of <see cref="WindowAggregations"/>.</summary>
    public string WindowAggregation { get; init; } = WindowAggregations.Mean;

    /// <summary>Multi-label classification: a label is predicted when its sigmoid probability is at least this.</summary>
    public double Threshold { get; init; } = 0.5;

    /// <summary>
    /// Entity recognition only: the attributes the model predicts for each entity (negation, hypothesis…), each from
    /// its own graph output of logits <c>[batch, sequence, values]</c> read at the entity's first piece. Null: none (left
    /// out of the JSON, so bundles without them keep their bytes).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<AttributeOutput>? Attributes { get; init; }

    /// <summary>Entity recognition only: the codes the model normalises entities to, from a graph output of logits <c>[batch, sequence, codes]</c>. Null: none.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public NormalisationOutput? Normalisation { get; init; }

    /// <summary>What the manifest declares beside the tags, as the metrics read it.</summary>
    public Metrics.NerQualifierSchema QualifierSchema() => new(
        [.. (Attributes ?? []).Select(a => new Metrics.NerAttribute(a.Name, a.Values, a.Default))],
        Normalisation?.System,
        Normalisation?.Codes ?? []);

    /// <summary>A generative task's model folder, prompt, output contract and decoding settings; null for every other task.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public GenerationSettings? Generation { get; init; }

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

        if (Tasks.TaskRegistry.Find(Task) is not { UsesModel: true })
        {
            // A task that runs no model (dataset QC) has no bundle to describe.
            errors.Add($"task: '{Task}' is not one of {string.Join(", ", Tasks.TaskRegistry.All.Where(t => t.UsesModel))}");
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

        if (Stride < 0 || Stride >= MaxLength - 2)
        {
            errors.Add($"stride: {Stride} is outside 0..{Math.Max(0, MaxLength - 3)} (windows of max_length - 2 pieces must move forward)");
        }

        if (!WindowAggregations.All.Contains(WindowAggregation))
        {
            errors.Add($"window_aggregation: '{WindowAggregation}' is not one of {string.Join(", ", WindowAggregations.All)}");
        }

        if (!(Threshold > 0 && Threshold < 1))
        {
            errors.Add($"threshold: {Threshold} is outside the open interval (0, 1)");
        }

        errors.AddRange(QualifierErrors());
        if (string.IsNullOrWhiteSpace(Model))
        {
            errors.Add("model: the ONNX graph's path inside the bundle is required");
        }

        ValidateGeneration(errors);
        if (Tokenizer is null)
        {
            errors.Add("tokenizer: required");
        }
        else
        {
            errors.AddRange(Tokenizer.Validate());
        }

        return errors;
    }

    /// <summary>A generative task needs its <c>generation</c> section, whose fields are the labels; no other task takes one.</summary>
    private void ValidateGeneration(List<string> errors)
    {
        var taskType = Tasks.TaskRegistry.Find(Task);
        var generative = taskType?.IsGenerative ?? false;
        if (Generation is null)
        {
            if (generative)
            {
                errors.Add($"generation: task '{Task}' needs the generation section (model folder, prompt template, fields)");
            }

            return;
        }

        if (!generative)
        {
            errors.Add($"generation: task '{Task}' is not generative and takes no generation section");
            return;
        }

        errors.AddRange(Generation.Validate(taskType!, Labels));

        var folder = Generation.ModelFolder.TrimEnd('/') + "/";
        foreach (var (field, path) in new[] { ("model", Model), ("tokenizer.vocab", Tokenizer?.Vocab) })
        {
            if (path is not null && !path.StartsWith(folder, StringComparison.Ordinal))
            {
                errors.Add($"{field}: '{path}' must be inside the model folder '{folder}' that ONNX Runtime GenAI loads");
            }
        }

        if (Tokenizer is not null && Tokenizer.Kind != TokenizerSpec.ByteLevelBpe)
        {
            errors.Add($"tokenizer.kind: a generative bundle's tokenizer must be '{TokenizerSpec.ByteLevelBpe}' (the engine constrains output byte by byte), not '{Tokenizer.Kind}'");
        }
    }

    /// <summary>The attributes' and normalisation's problems: only entity recognition takes them; names, values and outputs distinct.</summary>
    private IEnumerable<string> QualifierErrors()
    {
        if ((Attributes is not null || Normalisation is not null) && Task != TaskTypes.TokenClassification)
        {
            yield return $"attributes, normalisation: only a {TaskTypes.TokenClassification} model declares them";
        }

        var outputs = new List<string> { Outputs?.Logits ?? string.Empty };
        foreach (var (attribute, i) in (Attributes ?? []).Select((a, i) => (a, i)))
        {
            if (attribute is null || string.IsNullOrWhiteSpace(attribute.Name) || attribute.Values is null || attribute.Values.Count < 2)
            {
                yield return $"attributes[{i}]: a name and at least two values are required";
                continue;
            }

            if (attribute.Values.Distinct(StringComparer.Ordinal).Count() != attribute.Values.Count)
            {
                yield return $"attributes[{i}] ({attribute.Name}): a value appears twice";
            }

            if (attribute.Default is not null && !attribute.Values.Contains(attribute.Default, StringComparer.Ordinal))
            {
                yield return $"attributes[{i}] ({attribute.Name}): default '{attribute.Default}' is not one of its values";
            }

            outputs.Add(attribute.Output ?? string.Empty);
        }

        if (Attributes is not null && Attributes.Where(a => a is not null).Select(a => a.Name).Distinct(StringComparer.Ordinal).Count() != Attributes.Count(a => a is not null))
        {
            yield return "attributes: an attribute is declared twice";
        }

        if (Normalisation is { } normalisation)
        {
            if (string.IsNullOrWhiteSpace(normalisation.System) || normalisation.Codes is null || normalisation.Codes.Count == 0)
            {
                yield return "normalisation: a system and at least one code are required";
            }
            else if (normalisation.Codes.Distinct(StringComparer.Ordinal).Count() != normalisation.Codes.Count)
            {
                yield return "normalisation.codes: a code appears twice";
            }

            outputs.Add(normalisation.Output ?? string.Empty);
        }

        if (outputs.Any(string.IsNullOrWhiteSpace) || outputs.Distinct(StringComparer.Ordinal).Count() != outputs.Count)
        {
            yield return "attributes, normalisation: each needs its own graph output, named, and not the logits'";
        }
    }
}

/// <summary>One attribute an entity recognition model predicts: its name (as brat's <c>A</c> lines write it), values, default, and graph output.</summary>
public sealed record AttributeOutput
{
    public required string Name { get; init; }

    /// <summary>The values, in the order of the output's last dimension; a binary brat attribute is <c>["false", "true"]</c>.</summary>
    public required IReadOnlyList<string> Values { get; init; }

    /// <summary>The value of an entity the dataset gives no such attribute (EDS-NLP's default value, not counted); null: none, every value counted.</summary>
    public string? Default { get; init; }

    /// <summary>The graph output holding the attribute's logits <c>[batch, sequence, values]</c>.</summary>
    public required string Output { get; init; }
}

/// <summary>The codes an entity recognition model normalises entities to (ICD-10, ICD-O-3, ATC…).</summary>
public sealed record NormalisationOutput
{
    /// <summary>The code system, as brat's <c>N</c> lines name their resource (<c>ICD-O-3:8140/3</c>).</summary>
    public required string System { get; init; }

    /// <summary>The codes, in the order of the output's last dimension.</summary>
    public required IReadOnlyList<string> Codes { get; init; }

    /// <summary>The graph output holding the code logits <c>[batch, sequence, codes]</c>.</summary>
    public required string Output { get; init; }
}

/// <summary>
/// How text becomes ids: the tokenizer's kind (<see cref="Kinds"/>), its file inside the bundle and its options.
/// Fields that only one kind reads are left out of the JSON when unset, so adding them changed no existing bundle's bytes.
/// </summary>
public sealed record TokenizerSpec
{
    /// <summary>BERT WordPiece over a <c>vocab.txt</c>, cut as Hugging Face's <c>BertTokenizer</c> cuts (the default).</summary>
    public const string WordPiece = "wordpiece";

    /// <summary>
    /// A SentencePiece model file (BPE or Unigram, e.g. CamemBERT's <c>sentencepiece.bpe.model</c>), read by
    /// Microsoft.ML.Tokenizers' <c>SentencePieceTokenizer</c>; documents framed as <c>&lt;s&gt; … &lt;/s&gt;</c>.
    /// </summary>
    public const string SentencePiece = "sentencepiece";

    /// <summary>
    /// Deprecated: WordPiece cut exactly as Microsoft.ML.Tokenizers 2.0.1's <c>BertTokenizer</c> cuts (symbols such
    /// as <c>+ &lt; =</c> dropped; the classifier glues words across line breaks), which is what the model kit's demo
    /// bundles were trained on. Kept so those bundles get the ids they learnt; a model trained with Hugging Face
    /// declares <see cref="WordPiece"/>. docs/model-bundle.md.
    /// </summary>
    public const string BertWordPiece = "bert_wordpiece";

    /// <summary>
    /// A Hugging Face <c>tokenizer.json</c> with a byte-level BPE model and the GPT-2 pre-tokenizer (GPT-2 family), as
    /// ONNX Runtime GenAI reads it: generative bundles only (docs/generative.md).
    /// </summary>
    public const string ByteLevelBpe = "byte_level_bpe";

    public static IReadOnlyList<string> Kinds { get; } = [WordPiece, SentencePiece, BertWordPiece, ByteLevelBpe];

    public string Kind { get; init; } = WordPiece;

    /// <summary>Path inside the bundle of the tokenizer's file: <c>vocab.txt</c> for WordPiece, the SentencePiece model for <see cref="SentencePiece"/>.</summary>
    public string Vocab { get; init; } = "vocab.txt";

    public bool Lowercase { get; init; } = true;

    public bool StripAccents { get; init; } = true;

    /// <summary>
    /// <see cref="SentencePiece"/> only: added to every SentencePiece id to give the model's id, as fairseq-trained
    /// models shift them (CamemBERT 4, XLM-R 1). Null: 0.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? IdOffset { get; init; }

    /// <summary><see cref="SentencePiece"/> only: the model id of <c>&lt;s&gt;</c>, which opens every window. Null: the SentencePiece model's, plus the offset.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? BosTokenId { get; init; }

    /// <summary><see cref="SentencePiece"/> only: the model id of <c>&lt;/s&gt;</c>, which closes every window. Null: the SentencePiece model's, plus the offset.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? EosTokenId { get; init; }

    /// <summary><see cref="SentencePiece"/> only: the id padding carries (CamemBERT 1). Null: the model's <c>&lt;pad&gt;</c> piece, plus the offset.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? PadTokenId { get; init; }

    /// <summary><see cref="SentencePiece"/> only: the model id of an unknown piece (CamemBERT 3). Null: the model's <c>&lt;unk&gt;</c>, plus the offset.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? UnkTokenId { get; init; }

    /// <summary>Every problem with these fields, each prefixed by its JSON path, or none.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!Kinds.Contains(Kind))
        {
            errors.Add($"tokenizer.kind: '{Kind}' is not one of {string.Join(", ", Kinds)}");
        }

        if (string.IsNullOrWhiteSpace(Vocab))
        {
            errors.Add("tokenizer.vocab: the tokenizer file's path inside the bundle is required");
        }

        (string Field, int? Value)[] sentencePieceOnly =
            [("id_offset", IdOffset), ("bos_token_id", BosTokenId), ("eos_token_id", EosTokenId), ("pad_token_id", PadTokenId), ("unk_token_id", UnkTokenId)];
        foreach (var (field, value) in sentencePieceOnly.Where(f => f.Value is not null))
        {
            if (Kind != SentencePiece)
            {
                errors.Add($"tokenizer.{field}: only a '{SentencePiece}' tokenizer takes it (this one is '{Kind}')");
            }
            else if (value < 0)
            {
                errors.Add($"tokenizer.{field}: {value} is negative");
            }
        }

        return errors;
    }
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
    /// <summary>One gold label per document; the model's logits go through softmax.</summary>
    public const string SingleLabelClassification = Tasks.SingleLabel.SingleLabelTask.TaskName;

    /// <summary>Any number of gold labels per document (none included); each logit goes through a sigmoid and <see cref="ModelManifest.Threshold"/>.</summary>
    public const string MultiLabelClassification = Tasks.MultiLabel.MultiLabelTask.TaskName;

    /// <summary>
    /// Named-entity recognition: the model tags every word piece (logits <c>[batch, sequence, tags]</c>); the manifest's
    /// labels are its IOB2 tags (<c>O</c>, <c>B-TYPE</c>, <c>I-TYPE</c>), the spec's labels the entity types. See docs/ner.md.
    /// </summary>
    public const string TokenClassification = Tasks.EntityRecognition.EntityRecognitionTask.TaskName;

    /// <summary>A generative model fills a JSON object of fields from each report (docs/generative.md).</summary>
    public const string GenerativeExtraction = Tasks.GenerativeExtraction.GenerativeExtractionTask.TaskName;

    /// <summary>A generative model answers multiple-choice questions with a JSON list of option letters (docs/generative.md).</summary>
    public const string MultipleChoiceQa = Tasks.MultipleChoice.MultipleChoiceTask.TaskName;

    /// <summary>Every registered task name (<see cref="Tasks.TaskRegistry"/>).</summary>
    public static IReadOnlyList<string> All => Tasks.TaskRegistry.Names;
}

/// <summary>Values of <see cref="ModelManifest.WindowAggregation"/>: how a long document's windows are combined.</summary>
public static class WindowAggregations
{
    /// <summary>The mean over windows of each class probability.</summary>
    public const string Mean = "mean";

    /// <summary>The largest over windows of each class probability: one window that sees the evidence is enough.</summary>
    public const string Max = "max";

    public static IReadOnlyList<string> All { get; } = [Mean, Max];
}
