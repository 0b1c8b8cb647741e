using Partages.Evaluation.Quality;
using Partages.NodeAgent.Engine.Bundles;

namespace Partages.NodeAgent.Engine.Quality;

/// <summary>
/// A model bundle's tokenizer for dataset QC (<c>qc --model</c>, a <c>dataset_qc</c> evaluation with a bundle): the
/// bundle is read and checked as for any run (manifest, files, tokenizer), its graph is never loaded into ONNX Runtime.
/// </summary>
public static class BundlePieces
{
    /// <summary>A fresh piece profile over the bundle's tokenizer, and the model's name and version.</summary>
    /// <exception cref="EvaluationRefusedException">The bundle cannot be read or its tokenizer file does not load.</exception>
    public static (PieceProfile Pieces, string Model) Open(string bundlePath, EvaluationEngineOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(bundlePath);
        ArgumentNullException.ThrowIfNull(options);
        var bundle = BundleReader.Read(bundlePath, options);
        var encoder = bundle.Encoder;
        return (new PieceProfile(encoder.CountPieces, encoder.MaxPieces, encoder.UnknownToken), $"{bundle.Manifest.Name}@{bundle.Manifest.Version}");
    }
}
