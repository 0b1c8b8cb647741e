using System.Text.Json;
using System.Text.Json.Nodes;
using Partages.Evaluation.Tasks.MultipleChoice;
using Partages.ModelKit.Bundles;
using Partages.ModelKit.Generative;
using Partages.ModelKit.Synthetic;

namespace Partages.ModelKit.MultipleChoice;

/// <summary>What <see cref="McqBundleBuilder.Build"/> wrote.</summary>
public sealed record McqBundleFiles(string BundlePath, string BundleSha256, ModelManifest Manifest, IReadOnlyList<(string Slug, string Path, int Count)> Datasets);

/// <summary>
/// The kit's multiple-choice bundle (docs/generative.md): its GenAI model folder under <c>genai/</c> and a manifest
/// naming <c>multiple_choice_qa</c>, the option letters A–E, the prompt template and greedy decoding, packed in a
/// <see cref="DeterministicZip"/> (sign it with the kit's <c>sign</c> command like any bundle); and, beside it, each
/// hospital's questions (<c>data/&lt;hospital&gt;/mcq.jsonl</c>). Write it to an ignored or temporary folder.
/// </summary>
public static class McqBundleBuilder
{
    public const string BundleFileName = "mcq-answerer.zip";
    public const string DatasetFileName = "mcq.jsonl";
    public const ulong Seed = 0x6D63_7161_0000_0001;

    /// <param name="directory">Where the bundle and <c>data/&lt;hospital&gt;/</c> go.</param>
    /// <param name="scale">Questions per hospital, as a share of its oncology report count (1: 120, 90, 60).</param>
    public static McqBundleFiles Build(string directory, double scale = 0.5, int maxNewTokens = 24)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory.CreateDirectory(directory);
        var work = Path.Combine(directory, "model-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            McqModelBuilder.Build(work);
            var manifest = Manifest(maxNewTokens);
            var json = manifest.ToJson().ReplaceLineEndings("\n") + "\n";
            var entries = new List<(string, byte[])> { (ModelManifest.FileName, new UTF8Encoding(false).GetBytes(json)) };
            entries.AddRange(Directory.GetFiles(work).Order(StringComparer.Ordinal).Select(f => ($"{GenerativeBundleBuilder.Folder}/{Path.GetFileName(f)}", File.ReadAllBytes(f))));
            var bytes = DeterministicZip.Create(entries);
            var bundlePath = Path.Combine(directory, BundleFileName);
            File.WriteAllBytes(bundlePath, bytes);
            var datasets = SyntheticHospitals.All
                .Select(h => (Hospital: h, Count: (int)Math.Round(h.OncologyCount * scale)))
                .Select(x => (x.Hospital.Slug, Path: WriteDataset(Path.Combine(directory, "data", x.Hospital.Slug, DatasetFileName), McqCatalogue.Generate(x.Hospital, x.Count, Seed)), x.Count))
                .ToList();
            return new McqBundleFiles(bundlePath, ModelBundle.Sha256Hex(bytes), manifest, datasets);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    public static ModelManifest Manifest(int maxNewTokens) => new()
    {
        Name = "partages-mcq-answerer",
        Version = "1.0.0",
        Task = TaskTypes.MultipleChoiceQa,
        Labels = [.. McqCatalogue.Letters],
        Model = $"{GenerativeBundleBuilder.Folder}/{GenerativeModelBuilder.ModelFileName}",
        Tokenizer = new TokenizerSpec { Kind = TokenizerSpec.ByteLevelBpe, Vocab = $"{GenerativeBundleBuilder.Folder}/tokenizer.json", Lowercase = false, StripAccents = false },
        Generation = new GenerationSettings
        {
            ModelFolder = GenerativeBundleBuilder.Folder,
            PromptTemplate = McqVocabulary.PromptTemplate,
            // The model was set to answer after the list's opening: the prefix is part of the prompt and of the answer.
            OutputPrefix = McqVocabulary.OpenAnswer,
            MaxNewTokens = maxNewTokens,
        },
    };

    /// <summary>The prompt the engine builds for <paramref name="question"/> with the kit's template, output prefix included.</summary>
    public static string Prompt(McqQuestionItem question)
    {
        ArgumentNullException.ThrowIfNull(question);
        return QuestionPrompt.Fill(McqVocabulary.PromptTemplate, question.Question, Options(question), string.Empty) + McqVocabulary.OpenAnswer;
    }

    private static List<KeyValuePair<string, string>> Options(McqQuestionItem question) =>
        [.. question.Options.Select((o, i) => new KeyValuePair<string, string>(McqCatalogue.Letters[i], o))];

    /// <summary>One hospital's questions, one JSON line each: <c>id</c>, <c>question</c>, <c>options</c> (letter → text), <c>answers</c>.</summary>
    public static string WriteDataset(string path, IReadOnlyList<McqQuestionItem> questions)
    {
        ArgumentNullException.ThrowIfNull(questions);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var lines = new StringBuilder();
        foreach (var q in questions)
        {
            var options = new JsonObject();
            foreach (var (letter, text) in Options(q))
            {
                options[letter] = text;
            }

            var answers = new JsonArray([.. q.Answers.Select(a => (JsonNode)JsonValue.Create(a)!)]);
            lines.Append(new JsonObject { ["id"] = q.Id, ["question"] = q.Question, ["options"] = options, ["answers"] = answers }.ToJsonString(JsonLine)).Append('\n');
        }

        File.WriteAllText(path, lines.ToString(), new UTF8Encoding(false));
        return path;
    }

    private static readonly JsonSerializerOptions JsonLine = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
