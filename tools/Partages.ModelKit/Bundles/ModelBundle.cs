using System.Security.Cryptography;

namespace Partages.ModelKit.Bundles;

/// <summary>
/// Packs a model bundle: manifest.json, model.onnx and vocab.txt, in that order, in a
/// <see cref="DeterministicZip"/>. The bundle's identity is the SHA-256 of these bytes.
/// </summary>
public static class ModelBundle
{
    public const string ModelEntry = "model.onnx";
    public const string VocabEntry = "vocab.txt";

    public static ModelManifest CreateManifest(string name, string version, IReadOnlyList<string> labels, int maxLength) => new()
    {
        Name = name,
        Version = version,
        Task = TaskTypes.SingleLabelClassification,
        Labels = labels.ToArray(),
        MaxLength = maxLength,
        Model = ModelEntry,
        Tokenizer = new TokenizerSpec { Kind = TokenizerSpec.BertWordPiece, Vocab = VocabEntry, Lowercase = true, StripAccents = true },
        Inputs = new ModelInputs { InputIds = "input_ids", AttentionMask = "attention_mask", TokenTypeIds = null },
        Outputs = new ModelOutputs { Logits = "logits" },
    };

    public static byte[] Pack(ModelManifest manifest, byte[] onnxModel, byte[] vocab)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var errors = manifest.Validate();
        if (errors.Count > 0)
        {
            throw new InvalidOperationException("The manifest is not valid: " + string.Join("; ", errors));
        }

        // "\n" line ends whatever the OS writing it, so the manifest's bytes, and the hash, do not vary.
        var json = manifest.ToJson().ReplaceLineEndings("\n") + "\n";
        return DeterministicZip.Create(
        [
            (ModelManifest.FileName, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(json)),
            (manifest.Model, onnxModel),
            (manifest.Tokenizer.Vocab, vocab),
        ]);
    }

    public static string Sha256Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
