using Partages.ModelKit.Bundles;
using Partages.ModelKit.Onnx;
using Partages.ModelKit.Synthetic;

namespace Partages.ModelKit.SentencePiece;

/// <summary>What to build; the corpora are the demo's (<see cref="DemoAssetOptions"/>'s seed and counts).</summary>
public sealed record SentencePieceClassifierOptions
{
    public DemoAssetOptions Demo { get; init; } = new();

    public BpeLearnerOptions Vocabulary { get; init; } = new();
}

/// <summary>How the SentencePiece classifier was trained and how well it does, beside <see cref="ModelReport"/>'s figures for WordPiece.</summary>
public sealed record SentencePieceClassifierReport(
    int Pieces,
    double TrainAccuracy,
    double HeldOutAccuracy,
    IReadOnlyList<HospitalAccuracy> HeldOutAccuracyByHospital,
    double OnnxHeldOutAccuracy,
    double MaxLogitDifference,
    double MeanPiecesPerReport);

/// <summary>
/// The AMR classifier of the demo, again, over a SentencePiece vocabulary instead of WordPiece, packed as a bundle
/// with CamemBERT's tokenizer conventions: a BPE model learnt from the training corpus (<see cref="BpeVocabularyLearner"/>,
/// cased, accents kept) written as a real <c>sentencepiece.bpe.model</c>, ids shifted by 4 with pad 1 and unknown 3
/// (<see cref="SentencePieceEncoding"/>), <c>&lt;s&gt; … &lt;/s&gt;</c>, no token type ids. Same training corpus, trainer,
/// graph writer and ONNX Runtime check as the WordPiece bundle (<see cref="DemoAssets"/>), which this does not touch.
/// </summary>
public static class SentencePieceClassifierBuilder
{
    public const string ModelName = "amr-classifier-sentencepiece";
    public const string ModelEntry = "sentencepiece.bpe.model";

    public static (byte[] Bundle, SentencePieceClassifierReport Report) Build(SentencePieceClassifierOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var demo = options.Demo;
        var training = AmrReportGenerator.Generate(SyntheticHospitals.Training, demo.TrainingDocuments, demo.Seed);
        var hospitals = SyntheticHospitals.All
            .Select(profile => (profile.Slug, Reports: AmrReportGenerator.Generate(profile, HeldOutCheck.Scaled(profile.AmrCount, demo.HospitalScale), demo.Seed)))
            .ToList();
        cancellationToken.ThrowIfCancellationRequested();

        var modelFile = BpeVocabularyLearner.Learn(training.Select(r => r.Text), options.Vocabulary);
        var modelBytes = modelFile.ToBytes();
        var encoding = new SentencePieceEncoding(modelBytes, demo.MaxLength);
        var labels = AmrLabels.All;
        var (_, _, trainAccuracy, held) = HeldOutCheck.TrainAmrClassifier(
            encoding.Encode, encoding.ModelVocabularySize, training, hospitals, demo, DemoAssets.GeneratorVersion + "+sentencepiece", cancellationToken);

        var bundle = ModelBundle.Pack(CreateManifest(labels, demo.MaxLength), held.Onnx, modelBytes);
        var report = new SentencePieceClassifierReport(
            modelFile.Pieces.Count,
            trainAccuracy,
            held.Accuracy,
            held.ByHospital,
            held.OnnxAccuracy,
            held.MaxLogitDifference,
            training.Average(r => (double)encoding.PieceIds(r.Text).Length));
        return (bundle, report);
    }

    /// <summary>
    /// CamemBERT's conventions: the SentencePiece file, cased, accents kept, SentencePiece ids + 4, pad 1, unknown 3
    /// (<c>&lt;s&gt;</c> and <c>&lt;/s&gt;</c> follow the offset: 5 and 6), no <c>token_type_ids</c>.
    /// </summary>
    public static ModelManifest CreateManifest(IReadOnlyList<string> labels, int maxLength) => new()
    {
        Name = ModelName,
        Version = DemoAssets.ModelVersion,
        Task = TaskTypes.SingleLabelClassification,
        Labels = [.. labels],
        MaxLength = maxLength,
        Model = ModelBundle.ModelEntry,
        Tokenizer = new TokenizerSpec
        {
            Kind = TokenizerSpec.SentencePiece,
            Vocab = ModelEntry,
            Lowercase = false,
            StripAccents = false,
            IdOffset = SentencePieceEncoding.IdOffset,
            PadTokenId = SentencePieceEncoding.PadId,
            UnkTokenId = SentencePieceEncoding.UnknownId,
        },
        Inputs = new ModelInputs { InputIds = ClassifierGraph.InputIds, AttentionMask = ClassifierGraph.AttentionMask, TokenTypeIds = null },
        Outputs = new ModelOutputs { Logits = ClassifierGraph.Logits },
    };
}
