using Partages.ModelKit.Synthetic;

namespace Partages.ModelKit.Onnx;

/// <summary>
/// What both AMR classifier builders (WordPiece in <see cref="DemoAssets"/>, SentencePiece in
/// <see cref="SentencePiece.SentencePieceClassifierBuilder"/>) measure before they pack a bundle: the C# model's
/// accuracy on the hospitals' held-out reports, overall and per hospital, and the same accuracy from ONNX Runtime
/// running the written graph. A graph that disagrees with the C# model is never packed.
/// </summary>
/// <param name="Onnx">The serialized graph, checked.</param>
internal sealed record HeldOutCheck(
    byte[] Onnx,
    double Accuracy,
    IReadOnlyList<HospitalAccuracy> ByHospital,
    double OnnxAccuracy,
    double MaxLogitDifference)
{
    /// <summary>
    /// The AMR classifier as both builders make it: trained on <paramref name="training"/> under <paramref name="encode"/>
    /// with the demo's trainer settings, then checked on every hospital's reports.
    /// </summary>
    public static (EmbeddingBagClassifier Model, TrainingHistory History, double TrainAccuracy, HeldOutCheck HeldOut) TrainAmrClassifier(
        Func<IReadOnlyList<string>, EncodedBatch> encode,
        int vocabularySize,
        IReadOnlyList<AmrReport> training,
        IReadOnlyList<(string Slug, IReadOnlyList<AmrReport> Reports)> hospitals,
        DemoAssetOptions options,
        string producerVersion,
        CancellationToken cancellationToken)
    {
        var labels = AmrLabels.All;
        var trainBatch = encode([.. training.Select(r => r.Text)]);
        var trainLabels = training.Select(r => LabelIndex(labels, r.Label)).ToList();
        var (model, history) = ClassifierTrainer.Train(
            trainBatch,
            trainLabels,
            vocabularySize,
            labels.Count,
            new TrainerOptions { Dimension = options.EmbeddingDimension, Epochs = options.Epochs, Seed = options.Seed },
            cancellationToken);

        var heldOut = hospitals.SelectMany(h => h.Reports).ToList();
        var heldOutBatch = encode([.. heldOut.Select(r => r.Text)]);
        var heldOutLabels = heldOut.Select(r => LabelIndex(labels, r.Label)).ToList();
        var check = Run(model, labels, heldOutBatch, heldOutLabels, hospitals.Select(h => (h.Slug, h.Reports.Count)), producerVersion);
        return (model, history, ClassifierTrainer.Accuracy(model, trainBatch, trainLabels), check);
    }

    /// <param name="hospitals">Each hospital's slug and report count, in the order of the held-out batch's rows.</param>
    public static HeldOutCheck Run(
        EmbeddingBagClassifier model,
        IReadOnlyList<string> labels,
        EncodedBatch heldOutBatch,
        IReadOnlyList<int> heldOutLabels,
        IEnumerable<(string Slug, int Count)> hospitals,
        string producerVersion)
    {
        var predictions = EmbeddingBagClassifier.ArgMax(model.Forward(heldOutBatch), labels.Count);
        var byHospital = new List<HospitalAccuracy>();
        var offset = 0;
        foreach (var (slug, count) in hospitals)
        {
            var correct = Enumerable.Range(offset, count).Count(i => predictions[i] == heldOutLabels[i]);
            byHospital.Add(new HospitalAccuracy(slug, count == 0 ? 0 : (double)correct / count));
            offset += count;
        }

        var onnx = ClassifierGraph.Serialize(ClassifierGraph.Build(model, labels, producerVersion));
        var check = OnnxRuntimeCheck.Compare(onnx, model, heldOutBatch);
        if (check.MaxAbsoluteDifference > 1e-3)
        {
            throw new InvalidOperationException(
                $"ONNX Runtime disagrees with the C# model by {check.MaxAbsoluteDifference}: the graph writer is wrong, no bundle written.");
        }

        var onnxPredictions = EmbeddingBagClassifier.ArgMax(check.Logits, labels.Count);
        return new HeldOutCheck(onnx, Fraction(predictions, heldOutLabels), byHospital, Fraction(onnxPredictions, heldOutLabels), check.MaxAbsoluteDifference);
    }

    /// <summary>A report's label as the class index the trainer and the graph use.</summary>
    public static int LabelIndex(IReadOnlyList<string> labels, string label)
    {
        for (var i = 0; i < labels.Count; i++)
        {
            if (labels[i] == label)
            {
                return i;
            }
        }

        throw new InvalidDataException($"Unknown label '{label}'.");
    }

    /// <summary>A hospital's report count under <see cref="DemoAssetOptions.HospitalScale"/>, never below one.</summary>
    public static int Scaled(int count, double scale) => Math.Max(1, (int)Math.Round(count * scale, MidpointRounding.AwayFromZero));

    private static double Fraction(int[] predictions, IReadOnlyList<int> labels) =>
        labels.Count == 0 ? 0 : (double)predictions.Where((p, i) => p == labels[i]).Count() / labels.Count;
}
