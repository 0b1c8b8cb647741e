using Partages.Evaluation.Bundles;

namespace Partages.NodeAgent.Engine.Bundles;

/// <summary>
/// A model bundle read into memory: its validated manifest and the two files the manifest names. Nothing is
/// extracted to disk, so there is no directory to clean up and no path an entry name could escape through.
/// </summary>
public sealed class ModelBundle
{
    internal ModelBundle(ModelManifest manifest, byte[] model, byte[] vocabulary)
    {
        Manifest = manifest;
        ModelBytes = model;
        Model = model;
        Vocabulary = vocabulary;
    }

    public ModelManifest Manifest { get; }

    /// <summary>The ONNX graph's bytes (<see cref="ModelManifest.Model"/>).</summary>
    public ReadOnlyMemory<byte> Model { get; }

    /// <summary>The same bytes as <see cref="Model"/>, as the array ONNX Runtime's session constructor takes.</summary>
    internal byte[] ModelBytes { get; }

    /// <summary>The WordPiece vocabulary's bytes (<see cref="TokenizerSpec.Vocab"/>).</summary>
    public ReadOnlyMemory<byte> Vocabulary { get; }
}
