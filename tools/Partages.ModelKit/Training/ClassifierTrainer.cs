namespace Partages.ModelKit.Training;

public sealed record TrainerOptions
{
    public int Dimension { get; init; } = 32;
    public int Epochs { get; init; } = 8;
    public int BatchSize { get; init; } = 32;
    public float LearningRate { get; init; } = 0.01f;
    /// <summary>Decoupled weight decay (AdamW): keeps rare-word embeddings from memorising single documents.</summary>
    public float WeightDecay { get; init; } = 0.0001f;
    public ulong Seed { get; init; } = 7;
}

/// <summary>Mean cross-entropy over the training set after each epoch; for the build log only.</summary>
public sealed record TrainingHistory(IReadOnlyList<double> EpochLosses);

/// <summary>
/// Mini-batch AdamW on softmax cross-entropy, single-threaded float32 with a fixed order of every
/// sum, so the same data and seed give bit-identical weights on any machine.
/// </summary>
public static class ClassifierTrainer
{
    public static (EmbeddingBagClassifier Model, TrainingHistory History) Train(
        EncodedBatch data,
        IReadOnlyList<int> labels,
        int vocabularySize,
        int classCount,
        TrainerOptions options,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(options);
        if (labels.Count != data.BatchSize)
        {
            throw new ArgumentException($"{labels.Count} labels for {data.BatchSize} documents.", nameof(labels));
        }

        var random = DeterministicRandom.ForStream(options.Seed, "trainer");
        var model = new EmbeddingBagClassifier(vocabularySize, options.Dimension, classCount);
        Initialise(model, random);

        // No decay on the bias: it only shifts the class priors.
        var optimiser = new AdamW([model.Embedding, model.Weight, model.Bias], options.LearningRate, options.WeightDecay, model.Bias);
        var (embeddingGradient, weightGradient, biasGradient) = (optimiser.Gradients[0], optimiser.Gradients[1], optimiser.Gradients[2]);

        var order = Enumerable.Range(0, data.BatchSize).ToArray();
        var pooled = new float[options.Dimension];
        var logits = new float[classCount];
        var pooledGradient = new float[options.Dimension];
        var losses = new List<double>();

        for (var epoch = 0; epoch < options.Epochs; epoch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            random.Shuffle(order);
            for (var start = 0; start < order.Length; start += options.BatchSize)
            {
                var end = Math.Min(start + options.BatchSize, order.Length);
                var scale = 1f / (end - start);
                optimiser.ClearGradients();

                for (var i = start; i < end; i++)
                {
                    var doc = order[i];
                    var ids = data.Row(doc);
                    var mask = data.MaskRow(doc);
                    var divisor = model.Pool(ids, mask, pooled);
                    model.Classify(pooled, logits);
                    Softmax(logits);
                    logits[labels[doc]] -= 1f;

                    // logits now holds dLoss/dlogits for this document.
                    for (var c = 0; c < classCount; c++)
                    {
                        var g = logits[c] * scale;
                        biasGradient[c] += g;
                        for (var d = 0; d < options.Dimension; d++)
                        {
                            weightGradient[d * classCount + c] += pooled[d] * g;
                        }
                    }

                    for (var d = 0; d < options.Dimension; d++)
                    {
                        var sum = 0f;
                        for (var c = 0; c < classCount; c++)
                        {
                            sum += model.Weight[d * classCount + c] * logits[c];
                        }

                        pooledGradient[d] = sum * scale / divisor;
                    }

                    for (var t = 0; t < ids.Length; t++)
                    {
                        if (mask[t] == 0)
                        {
                            continue;
                        }

                        var row = embeddingGradient.AsSpan((int)ids[t] * options.Dimension, options.Dimension);
                        for (var d = 0; d < options.Dimension; d++)
                        {
                            row[d] += pooledGradient[d] * mask[t];
                        }
                    }
                }

                optimiser.Step();
            }

            losses.Add(MeanLoss(model, data, labels));
        }

        return (model, new TrainingHistory(losses));
    }

    public static double Accuracy(EmbeddingBagClassifier model, EncodedBatch data, IReadOnlyList<int> labels)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count == 0)
        {
            return 0;
        }

        var predictions = EmbeddingBagClassifier.ArgMax(model.Forward(data), model.ClassCount);
        return (double)predictions.Where((p, i) => p == labels[i]).Count() / labels.Count;
    }

    private static void Initialise(EmbeddingBagClassifier model, DeterministicRandom random)
    {
        AdamW.InitialiseUniform(model.Embedding, 0.1f, random);
        AdamW.InitialiseGlorot(model.Weight, model.Dimension, model.ClassCount, random);
    }

    internal static void Softmax(Span<float> logits)
    {
        var max = logits[0];
        for (var c = 1; c < logits.Length; c++)
        {
            max = MathF.Max(max, logits[c]);
        }

        var sum = 0.0;
        for (var c = 0; c < logits.Length; c++)
        {
            var e = DeterministicMath.Exp(logits[c] - max);
            logits[c] = (float)e;
            sum += e;
        }

        for (var c = 0; c < logits.Length; c++)
        {
            logits[c] = (float)(logits[c] / sum);
        }
    }

    private static double MeanLoss(EmbeddingBagClassifier model, EncodedBatch data, IReadOnlyList<int> labels)
    {
        var logits = model.Forward(data);
        var total = 0.0;
        for (var row = 0; row < labels.Count; row++)
        {
            var span = logits.AsSpan(row * model.ClassCount, model.ClassCount);
            Softmax(span);
            total -= Math.Log(Math.Max(span[labels[row]], 1e-12f));
        }

        return total / Math.Max(labels.Count, 1);
    }
}
