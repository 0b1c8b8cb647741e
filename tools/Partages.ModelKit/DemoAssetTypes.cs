using Partages.Evaluation;
using Partages.ModelKit.Ner;

namespace Partages.ModelKit;

/// <summary>What to build. Every field takes part in the stamp: change one and the assets are rebuilt.</summary>
public sealed record DemoAssetOptions
{
    /// <summary>
    /// The demo federation's size: 30 × (280, 210, 160) reports. Under ε 1 a class's AUROC needs its positives to stand
    /// two standard deviations above the noise of 37 histogram bins (about 220 reports); the rarest class at the smallest
    /// site (EPC, ≈ 5 %) reaches that at about 4,800 reports. Inference on the demo model takes seconds at that size.
    /// The defaults (scale 1) stay small for the tests.
    /// </summary>
    public const double DemoFederationScale = 30;

    /// <summary>What <c>tools/Partages.Demo</c> and the privacy benchmark's demo dataset build.</summary>
    public static DemoAssetOptions DemoFederation { get; } = new() { HospitalScale = DemoFederationScale };

    /// <summary>Root of every random stream (each corpus and the trainer draw from their own named stream).</summary>
    public ulong Seed { get; init; } = 20260101;
    /// <summary>Multiplies each hospital's default report counts (e.g. 0.5 for faster tests).</summary>
    public double HospitalScale { get; init; } = 1.0;
    public int TrainingDocuments { get; init; } = 2000;
    public int Epochs { get; init; } = 8;
    public int EmbeddingDimension { get; init; } = 32;
    public int MaxLength { get; init; } = 128;
    public int MaxVocabularyWords { get; init; } = 4000;

    /// <summary>Every problem with these options, or none.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (HospitalScale is <= 0 or > 100 || double.IsNaN(HospitalScale))
        {
            errors.Add($"{nameof(HospitalScale)}: {HospitalScale} is outside (0, 100]");
        }

        if (TrainingDocuments < 50)
        {
            errors.Add($"{nameof(TrainingDocuments)}: {TrainingDocuments} is below 50");
        }

        OptionRange.Check(errors, nameof(Epochs), Epochs, 1, 200);
        OptionRange.Check(errors, nameof(EmbeddingDimension), EmbeddingDimension, 2, 512);
        OptionRange.Check(errors, nameof(MaxLength), MaxLength, 8, 8192);

        if (MaxVocabularyWords < 0)
        {
            errors.Add($"{nameof(MaxVocabularyWords)}: {MaxVocabularyWords} is negative");
        }

        return errors;
    }
}

/// <summary>One hospital's files.</summary>
public sealed record HospitalAssets(
    string Slug,
    string DisplayName,
    string AmrPath,
    string OncologyPath,
    int AmrCount,
    int OncologyCount)
{
    /// <summary>The oncology reports as a brat folder, the first annotator's entities.</summary>
    public string OncologyBratPath { get; init; } = "";

    /// <summary>The same reports with the second annotator's entities (double annotation for agreement).</summary>
    public string OncologyBratSecondPath { get; init; } = "";
}

public sealed record HospitalAccuracy(string Slug, double Accuracy);

/// <summary>How the bundled model was trained and how well it does.</summary>
/// <param name="HeldOutAccuracy">On every hospital's AMR reports, none of which the model saw.</param>
/// <param name="OnnxHeldOutAccuracy">The same held-out accuracy, computed by ONNX Runtime from the bundled graph.</param>
/// <param name="MaxLogitDifference">Largest |logit(ONNX Runtime) − logit(C# reference)| over the held-out reports.</param>
public sealed record ModelReport(
    IReadOnlyList<string> Labels,
    int VocabularySize,
    int Dimension,
    int TrainingDocuments,
    IReadOnlyList<double> EpochLosses,
    double TrainAccuracy,
    double HeldOutAccuracy,
    IReadOnlyList<HospitalAccuracy> HeldOutAccuracyByHospital,
    double OnnxHeldOutAccuracy,
    double MaxLogitDifference);

/// <summary>Where everything is (absolute paths), and what was built.</summary>
/// <param name="Reused">True when a matching stamp let the existing files stand.</param>
public sealed record DemoAssetSet(
    string OutputDirectory,
    string BundlePath,
    string BundleSha256,
    string TrainingAmrPath,
    IReadOnlyList<HospitalAssets> Hospitals,
    ModelReport Model,
    bool Reused)
{
    /// <summary>The demo bundle's detached signature file (models/amr-classifier.zip.sig.json), by the demo evaluator key.</summary>
    public string SignaturePath { get; init; } = "";

    /// <summary>
    /// The demo evaluator's public key (SubjectPublicKeyInfo PEM): what a demo node's policy lists under
    /// models.trusted_signers to run the signed demo bundle. Derived from the seed; never trust it on a real node.
    /// </summary>
    public string SignerPublicKeyPem { get; init; } = "";

    /// <summary>The oncology entity recognition bundle (models/oncology-ner.zip).</summary>
    public string NerBundlePath { get; init; } = "";

    public string NerBundleSha256 { get; init; } = "";

    /// <summary>How the NER bundle's model was trained and how well it tags the hospitals' oncology reports.</summary>
    public NerModelReport? NerModel { get; init; }
}
