using System.Text.Json;
using System.IO.Compression;
using System.Text;
using Partages.NodeAgent.Engine.Bundles;
using Partages.NodeAgent.Engine.Generation;

namespace Partages.NodeAgent.Engine.Tasks.GenerativeExtraction;

/// <summary>
/// A generative bundle unpacked for one run: its manifest, the ONNX Runtime GenAI model folder written to a private
/// temporary folder (GenAI and ONNX Runtime read files, and a graph's external data sits beside it), the decoder's
/// config and the tokenizer. Opening checks, before any document, that manifest, <c>genai_config.json</c>, graph and
/// tokenizer agree: the config names the manifest's graph, the tokenizer's vocabulary is the config's, the graph has
/// what the config names and logits as wide as the vocabulary (read as plain protobuf, before ONNX Runtime GenAI loads
/// it), and the prompt leaves room to generate. The folder is deleted
/// on <see cref="Dispose"/>. The bundle's hash and signature are checked by the agent before the engine sees it, as
/// for every bundle.
/// </summary>
internal sealed class GenerativeBundle : IDisposable
{
    private GenerativeBundle(ModelManifest manifest, GenerationSettings settings, string root, string folder)
    {
        Manifest = manifest;
        Settings = settings;
        Root = root;
        Folder = folder;
    }

    public ModelManifest Manifest { get; }

    public GenerationSettings Settings { get; }

    /// <summary>The temporary folder holding the unpacked model folder.</summary>
    public string Root { get; }

    /// <summary>The GenAI model folder on disk.</summary>
    public string Folder { get; }

    /// <exception cref="EvaluationRefusedException">The bundle is malformed, too large, or its parts disagree.</exception>
    public static GenerativeBundle Open(string bundlePath, EvaluationEngineOptions options)
    {
        using var stream = BundleReader.OpenBundleFile(bundlePath);
        ZipArchive archive;
        try
        {
            archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: false, entryNameEncoding: Encoding.UTF8);
        }
        catch (InvalidDataException ex)
        {
            throw new EvaluationRefusedException($"model bundle is not a valid zip archive: {ex.Message}", ex);
        }

        var root = Path.Combine(Path.GetTempPath(), "partages-genai-" + Guid.NewGuid().ToString("N"));
        try
        {
            using (archive)
            {
                return Unpack(archive, options, root);
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or NotSupportedException or EvaluationRefusedException or IOException)
        {
            DeleteQuietly(root);
            throw ex as EvaluationRefusedException ?? new EvaluationRefusedException($"generative bundle refused: {ex.Message}", ex);
        }
    }

    private static GenerativeBundle Unpack(ZipArchive archive, EvaluationEngineOptions options, string root)
    {
        var entries = BundleReader.IndexEntries(archive);
        if (!entries.TryGetValue(ModelManifest.FileName, out var manifestEntry))
        {
            throw new EvaluationRefusedException($"model bundle has no {ModelManifest.FileName} at its root");
        }

        var manifest = BundleReader.ReadManifest(manifestEntry, options);
        var settings = manifest.Generation
            ?? throw new EvaluationRefusedException($"the bundle's task '{manifest.Task}' has no generation section; it is not a generative bundle");
        var prefix = settings.ModelFolder.TrimEnd('/') + "/";
        var outside = entries.Keys.Where(n => n != ModelManifest.FileName && !n.StartsWith(prefix, StringComparison.Ordinal) && n != prefix).Order(StringComparer.Ordinal).ToList();
        if (outside.Count > 0)
        {
            throw new EvaluationRefusedException($"generative bundle holds entries outside its model folder '{prefix}': {string.Join(", ", outside.Take(10))}");
        }

        var folder = Path.Combine(root, settings.ModelFolder.TrimEnd('/'));
        Directory.CreateDirectory(folder);
        long total = 0;
        foreach (var (name, entry) in entries.Where(e => e.Key.StartsWith(prefix, StringComparison.Ordinal) && !e.Key.EndsWith('/')))
        {
            var bytes = BundleReader.ReadEntry(entry, name, options.MaxModelBytes);
            total += bytes.Length;
            if (total > options.MaxModelBytes)
            {
                throw new EvaluationRefusedException($"generative model folder holds more than {options.MaxModelBytes} bytes");
            }

            var target = Path.Combine(root, name);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.WriteAllBytes(target, bytes);
        }

        foreach (var (field, path) in new[] { ("model", manifest.Model), ("tokenizer.vocab", manifest.Tokenizer.Vocab), ("genai_config.json", prefix + GenAiModelConfig.FileName) })
        {
            if (!entries.ContainsKey(path))
            {
                throw new EvaluationRefusedException($"generative bundle has no '{path}' ({field})");
            }
        }

        return new GenerativeBundle(manifest, settings, root, folder);
    }

    /// <summary>
    /// The cross-checks that need the files: config and manifest name the same graph; the config's vocabulary size is
    /// the tokenizer's, as is the graph's logits width; the graph has the inputs and outputs the config names; its
    /// end-of-text ids exist.
    /// </summary>
    public void CheckAgreement(GenAiModelConfig config, ByteLevelTokenizer tokenizer)
    {
        var graph = DecoderGraph.Read(config);
        var problems = new List<string>();
        var named = Path.GetRelativePath(Root, config.ModelPath).Replace('\\', '/');
        if (named != Manifest.Model)
        {
            problems.Add($"genai_config.json names the graph '{named}' but the manifest names '{Manifest.Model}'");
        }

        if (graph.Missing.Count > 0)
        {
            problems.Add($"the graph lacks what {GenAiModelConfig.FileName} names: {string.Join(", ", graph.Missing)}");
        }

        if (graph.LogitsWidth > 0 && graph.LogitsWidth != tokenizer.VocabularySize)
        {
            problems.Add($"the graph's logits have {graph.LogitsWidth} entries but the tokenizer has {tokenizer.VocabularySize} tokens");
        }

        if (ReadVocabSize(Folder) is { } configured && configured != tokenizer.VocabularySize)
        {
            problems.Add($"genai_config.json says vocab_size {configured} but the tokenizer has {tokenizer.VocabularySize} tokens");
        }

        foreach (var eos in config.EndOfTextIds.Where(id => id < 0 || id >= tokenizer.VocabularySize))
        {
            problems.Add($"genai_config.json's end-of-text id {eos} is not a token of the tokenizer");
        }

        if (problems.Count > 0)
        {
            throw new EvaluationRefusedException("the generative bundle's parts disagree: " + string.Join("; ", problems));
        }
    }

    private static int? ReadVocabSize(string folder)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, GenAiModelConfig.FileName)));
        return document.RootElement.TryGetProperty("model", out var model) && model.TryGetProperty("vocab_size", out var size) && size.TryGetInt32(out var n) ? n : null;
    }

    public void Dispose() => DeleteQuietly(Root);

    private static void DeleteQuietly(string root)
    {
        try
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
        catch (IOException)
        {
            // A file still held open (a native handle not yet released) stays in the temporary folder; nothing to report per run.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
