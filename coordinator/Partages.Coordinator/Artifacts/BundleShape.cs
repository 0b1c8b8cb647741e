using System.IO.Compression;
using System.Text;
using Partages.Evaluation.Bundles;

namespace Partages.Coordinator.Artifacts;

/// <summary>
/// The least a model bundle must be before it is stored: a zip with a readable <c>manifest.json</c> at its root. An
/// empty or malformed upload would otherwise be accepted, offered to every node and fail at each of them, after each
/// had downloaded it; refused here, the evaluator learns why at once. The nodes still check everything else (the
/// graph's operators, the signature, the tokenizer files).
/// </summary>
public static class BundleShape
{
    /// <summary>A manifest is a few kilobytes; a larger one is not read (a zip entry can inflate without bound).</summary>
    public const int MaxManifestBytes = 1024 * 1024;

    /// <summary>Why the file at <paramref name="path"/> is not a model bundle, or null when it has the shape of one.</summary>
    public static string? Problem(string path)
    {
        try
        {
            using var zip = ZipFile.OpenRead(path);
            var entry = zip.GetEntry(ModelManifest.FileName);
            if (entry is null)
            {
                return $"The upload is a zip without {ModelManifest.FileName} at its root; a model bundle carries one (docs/model-bundle.md).";
            }

            if (entry.Length > MaxManifestBytes)
            {
                return $"The bundle's {ModelManifest.FileName} is {entry.Length} bytes; at most {MaxManifestBytes} are read.";
            }

            using var reader = new StreamReader(entry.Open(), Encoding.UTF8);
            var json = new char[MaxManifestBytes + 1];
            var read = reader.ReadBlock(json, 0, json.Length);
            if (read > MaxManifestBytes)
            {
                return $"The bundle's {ModelManifest.FileName} is larger than {MaxManifestBytes} bytes.";
            }

            _ = ModelManifest.FromJson(new string(json, 0, read));
            return null;
        }
        catch (InvalidDataException ex)
        {
            // Not a zip (ZipFile's message), or a manifest that does not parse (ModelManifest's own, which lists its errors).
            return $"The upload is not a model bundle: {ex.Message}";
        }
    }
}
