namespace Partages.NodeAgent.Engine.Bundles;

/// <summary>
/// A model bundle read into memory: its validated manifest, the two files the manifest names, and the encoder its
/// tokenizer file loaded into (so a tokenizer file that does not load refuses the bundle when it is read). Nothing is
/// extracted to disk, so there is no directory to clean up and no path an entry name could escape through.
/// </summary>
public sealed class ModelBundle
{
    internal ModelBundle(ModelManifest manifest, byte[] model, byte[] vocabulary, TextEncoder encoder)
    {
        Manifest = manifest;
        ModelBytes = model;
        Model = model;
        Vocabulary = vocabulary;
        Encoder = encoder;
    }

    public ModelManifest Manifest { get; }

    /// <summary>The ONNX graph's bytes (<see cref="ModelManifest.Model"/>).</summary>
    public ReadOnlyMemory<byte> Model { get; }

    /// <summary>The same bytes as <see cref="Model"/>, as the array ONNX Runtime's session constructor takes.</summary>
    internal byte[] ModelBytes { get; }

    /// <summary>The tokenizer file's bytes (<see cref="TokenizerSpec.Vocab"/>): a WordPiece vocab.txt or a SentencePiece model.</summary>
    public ReadOnlyMemory<byte> Vocabulary { get; }

    /// <summary>Text to ids for this bundle's model, loaded from <see cref="Vocabulary"/> as the manifest's tokenizer kind says.</summary>
    internal TextEncoder Encoder { get; }
}
