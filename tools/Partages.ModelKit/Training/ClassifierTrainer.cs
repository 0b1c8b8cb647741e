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
    private const float Beta1 = 0.9f;
    private const float Beta2 = 0.999f;
    private const float Epsilon = 1e-8f;

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

        var parameters = new[] { model.Embedding, model.Weight, model.Bias };
        var gradients = parameters.Select(p => new float[p.Length]).ToArray();
        var (embeddingGradient, weightGradient, biasGradient) = (gradients[0], gradients[1], gradients[2]);
        var firstMoments = parameters.Select(p => new float[p.Length]).ToArray();
        var secondMoments = parameters.Select(p => new float[p.Length]).ToArray();

        var order = Enumerable.Range(0, data.BatchSize).ToArray();
        var pooled = new float[options.Dimension];
        var logits = new float[classCount];
        var pooledGradient = new float[options.Dimension];
        var losses = new List<double>();
        // Powers of the betas by repeated products rather than Math.Pow, which the C library computes.
        double beta1Power = 1, beta2Power = 1;

        for (var epoch = 0; epoch < options.Epochs; epoch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            random.Shuffle(order);
            for (var start = 0; start < order.Length; start += options.BatchSize)
            {
                var end = Math.Min(start + options.BatchSize, order.Length);
                var scale = 1f / (end - start);
                foreach (var gradient in gradients)
                {
                    Array.Clear(gradient);
                }

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

                beta1Power *= Beta1;
                beta2Power *= Beta2;
                var stepSize = (float)(options.LearningRate / (1 - beta1Power));
                var secondCorrection = (float)(1 - beta2Power);
                for (var p = 0; p < parameters.Length; p++)
                {
                    // No decay on the bias: it only shifts the class priors.
                    var decay = parameters[p] == model.Bias ? 0f : options.LearningRate * options.WeightDecay;
                    AdamStep(parameters[p], gradients[p], firstMoments[p], secondMoments[p], stepSize, secondCorrection, decay);
                }
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
        for (var i = 0; i < model.Embedding.Length; i++)
        {
            model.Embedding[i] = random.NextSymmetric(0.1f);
        }

        // Glorot-uniform limit sqrt(6 / (fan_in + fan_out)), computed in double: Math.Sqrt is exact.
        var limit = (float)Math.Sqrt(6.0 / (model.Dimension + model.ClassCount));
        for (var i = 0; i < model.Weight.Length; i++)
        {
            model.Weight[i] = random.NextSymmetric(limit);
        }
    }

    private static void AdamStep(float[] parameter, float[] gradient, float[] m, float[] v, float stepSize, float secondCorrection, float decay)
    {
        for (var i = 0; i < parameter.Length; i++)
        {
            var g = gradient[i];
            m[i] = Beta1 * m[i] + (1 - Beta1) * g;
            v[i] = Beta2 * v[i] + (1 - Beta2) * g * g;
            var denominator = MathF.Sqrt(v[i] / secondCorrection) + Epsilon;
            parameter[i] -= stepSize * m[i] / denominator + decay * parameter[i];
        }
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
