using Partages.ModelKit.Bundles;

namespace Partages.NodeAgent.Engine.Tests.Infrastructure;

/// <summary>
/// The hand-checkable AMR model the engine tests share: a small WordPiece vocabulary and a keyword graph where
/// "blse", "sarm" and "epc" vote for their class with weights 1, 2 and 3, nothing votes for "sensible", and
/// "poison" yields NaN logits. Manifest labels are in logits order; the spec lists the same labels in another
/// order, so every test also exercises the mapping by name.
/// </summary>
internal static class AmrTestModel
{
    public static readonly string[] Vocabulary =
    [
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
        "la", "souche", "est", "sensible", "blse", "sarm", "epc", "bacterie", "##s", "resistante", ".", ",", "poison", "e", "coli",
    ];

    public static readonly string[] ManifestLabels = ["sensible", "BLSE", "SARM", "EPC"];

    public static readonly string[] SpecLabels = ["EPC", "sensible", "SARM", "BLSE"];

    public static int TokenId(string token) => Array.IndexOf(Vocabulary, token);

    public static KeywordGraph Graph { get; } = new()
    {
        VocabularySize = Vocabulary.Length,
        Classes = ManifestLabels.Length,
        Keywords = new Dictionary<int, (int, float)>
        {
            [TokenId("blse")] = (1, 1f),
            [TokenId("sarm")] = (2, 2f),
            [TokenId("epc")] = (3, 3f),
        },
        PoisonToken = TokenId("poison"),
    };

    public static ModelManifest Manifest { get; } = new()
    {
        Name = "keyword-amr",
        Task = TaskTypes.SingleLabelClassification,
        Labels = ManifestLabels,
        MaxLength = 32,
        Tokenizer = new TokenizerSpec(),
    };

    public static EvaluationSpec Spec { get; } = new()
    {
        Name = "amr-test",
        Task = TaskTypes.SingleLabelClassification,
        Dataset = "amr-reports",
        Labels = SpecLabels,
    };

    /// <summary>Writes a bundle zip; <paramref name="extraEntries"/> adds raw entries (name → content) for the refusal tests.</summary>
    public static string WriteBundle(
        string path,
        ModelManifest? manifest = null,
        KeywordGraph? graph = null,
        byte[]? model = null,
        IReadOnlyDictionary<string, byte[]>? extraEntries = null,
        bool includeManifest = true)
    {
        manifest ??= Manifest;
        var entries = new List<(string, byte[])>();
        if (includeManifest)
        {
            entries.Add((ModelManifest.FileName, Encoding.UTF8.GetBytes(manifest.ToJson())));
        }

        entries.Add((manifest.Model, model ?? (graph ?? Graph).ToOnnx()));
        entries.Add((manifest.Tokenizer.Vocab, Encoding.UTF8.GetBytes(string.Join('\n', Vocabulary) + "\n")));
        entries.AddRange((extraEntries ?? new Dictionary<string, byte[]>()).Select(e => (e.Key, e.Value)));
        File.WriteAllBytes(path, DeterministicZip.Create(entries));
        return path;
    }

    public static string WriteVocabulary(string path)
    {
        File.WriteAllLines(path, Vocabulary);
        return path;
    }

    public static string Line(string id, string text, string label) =>
        $$"""{"id":"{{id}}","text":"{{text}}","label":"{{label}}"}""";
}
