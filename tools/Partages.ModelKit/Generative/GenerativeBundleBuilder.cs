using System.Text.Json;
using System.Text.Json.Nodes;
using Partages.Evaluation.Tasks.GenerativeExtraction;
using Partages.ModelKit.Bundles;
using Partages.ModelKit.Synthetic;

namespace Partages.ModelKit.Generative;

/// <summary>What <see cref="GenerativeBundleBuilder.Build"/> wrote.</summary>
public sealed record GenerativeBundleFiles(string BundlePath, string BundleSha256, ModelManifest Manifest, IReadOnlyList<(string Slug, string Path, int Count)> Datasets);

/// <summary>
/// The kit's generative bundle (docs/generative.md): its GenAI model folder under <c>genai/</c> and a manifest naming
/// the task, the prompt template, the output contract and greedy decoding, packed in a <see cref="DeterministicZip"/>
/// (sign it with the kit's <c>sign</c> command like any bundle); and, beside it, each hospital's oncology reports with
/// the gold value of every field, for <c>generative_extraction</c>. Write it to an ignored or temporary folder.
/// </summary>
public static class GenerativeBundleBuilder
{
    public const string BundleFileName = "status-extractor.zip";
    public const string DatasetFileName = "oncology-extraction.jsonl";
    public const string Folder = "genai";

    /// <summary>The drivers the kit asks about: their findings are positive or negative, never equivocal, so the gold is exact.</summary>
    public static IReadOnlyList<string> DefaultFields { get; } = [OncologyLabels.Egfr, OncologyLabels.Kras, OncologyLabels.Alk];

    /// <summary>What every field may be: the model's three classes, and "inconnu" when the report states nothing.</summary>
    public static IReadOnlyList<string> Values { get; } = [.. StatusVocabulary.ClassNames, StatusVocabulary.Unknown];

    /// <summary>The kit's template: the report, then the question line the model was set for (the answer opens after it).</summary>
    public const string PromptTemplate = "{{report}}\n\n" + StatusVocabulary.QuestionLine + "\n";

    /// <param name="directory">Where the bundle and <c>data/&lt;hospital&gt;/</c> go.</param>
    /// <param name="fields">Biomarkers to extract, in order (default <see cref="DefaultFields"/>).</param>
    /// <param name="neverStops">The variant whose output never ends (token budget tests).</param>
    /// <param name="contextLength">Overrides the model's context (truncation tests); null: the model's.</param>
    /// <param name="maxNewTokens">The manifest's token budget.</param>
    /// <param name="timeBudgetSeconds">The manifest's time budget per generation (time-budget tests set it tiny).</param>
    public static GenerativeBundleFiles Build(
        string directory, IReadOnlyList<string>? fields = null, bool neverStops = false, int? contextLength = null, int maxNewTokens = 64, double scale = 1, double timeBudgetSeconds = 30)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        fields ??= DefaultFields;
        Directory.CreateDirectory(directory);
        var work = Path.Combine(directory, "model-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            GenerativeModelBuilder.Build(work, neverStops);
            if (contextLength is { } context)
            {
                var configPath = Path.Combine(work, "genai_config.json");
                var config = JsonNode.Parse(File.ReadAllText(configPath))!;
                config["model"]!["context_length"] = context;
                config["search"]!["max_length"] = context;
                File.WriteAllText(configPath, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            }

            var manifest = Manifest(fields, maxNewTokens, timeBudgetSeconds);
            var json = manifest.ToJson().ReplaceLineEndings("\n") + "\n";
            var entries = new List<(string, byte[])> { (ModelManifest.FileName, new UTF8Encoding(false).GetBytes(json)) };
            entries.AddRange(Directory.GetFiles(work).Order(StringComparer.Ordinal).Select(f => ($"{Folder}/{Path.GetFileName(f)}", File.ReadAllBytes(f))));
            var bytes = DeterministicZip.Create(entries);
            var bundlePath = Path.Combine(directory, BundleFileName);
            File.WriteAllBytes(bundlePath, bytes);
            var datasets = SyntheticHospitals.All
                .Select(h => (h.Slug, Path: WriteDataset(Path.Combine(directory, "data", h.Slug, DatasetFileName), h, (int)Math.Round(h.OncologyCount * scale), fields), Count: (int)Math.Round(h.OncologyCount * scale)))
                .ToList();
            return new GenerativeBundleFiles(bundlePath, ModelBundle.Sha256Hex(bytes), manifest, datasets);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    public static ModelManifest Manifest(IReadOnlyList<string> fields, int maxNewTokens, double timeBudgetSeconds = 30) => new()
    {
        Name = "partages-status-extractor",
        Version = "1.0.0",
        Task = TaskTypes.GenerativeExtraction,
        Labels = [.. fields],
        Model = $"{Folder}/{GenerativeModelBuilder.ModelFileName}",
        Tokenizer = new TokenizerSpec { Kind = TokenizerSpec.ByteLevelBpe, Vocab = $"{Folder}/tokenizer.json", Lowercase = false, StripAccents = false },
        Generation = new GenerationSettings
        {
            ModelFolder = Folder,
            PromptTemplate = PromptTemplate,
            // The model was set to answer after the opening of the object: the prefix is part of the prompt and of the answer.
            OutputPrefix = "{\"" + fields[0] + "\":",
            Fields = [.. fields.Select(f => new OutputField(f, Values))],
            MaxNewTokens = maxNewTokens,
            TimeBudgetSeconds = timeBudgetSeconds,
        },
    };

    /// <summary>
    /// One hospital's reports (the same seed as the demo assets) with each field's gold: "positif" when the report's
    /// label is that driver, "négatif" when the report names the driver otherwise (its findings are then negative),
    /// "inconnu" when it does not name it.
    /// </summary>
    public static string WriteDataset(string path, HospitalProfile hospital, int count, IReadOnlyList<string> fields)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var lines = new StringBuilder();
        foreach (var report in OncologyReportGenerator.Generate(hospital, count, new DemoAssetOptions().Seed))
        {
            var gold = new JsonObject();
            foreach (var field in fields)
            {
                gold[field] = Gold(report, field);
            }

            lines.Append(new JsonObject { ["id"] = report.Id, ["text"] = report.Text, ["fields"] = gold }.ToJsonString(JsonLine)).Append('\n');
        }

        File.WriteAllText(path, lines.ToString(), new UTF8Encoding(false));
        return path;
    }

    public static string Gold(OncologyReport report, string field)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (report.Label == field)
        {
            return StatusVocabulary.ClassNames[0];
        }

        var written = field == OncologyLabels.Her2 ? "HER" : field;
        return report.Text.Contains(written, StringComparison.Ordinal) ? StatusVocabulary.ClassNames[1] : StatusVocabulary.Unknown;
    }

    private static readonly JsonSerializerOptions JsonLine = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
