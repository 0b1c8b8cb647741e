namespace Partages.ModelKit.Ner;

public sealed record TaggerOptions
{
    public int Dimension { get; init; } = 16;
    /// <summary>Neighbours read on each side of a piece.</summary>
    public int Radius { get; init; } = 2;
    public int Hidden { get; init; } = 32;
    public int Epochs { get; init; } = 2;
    /// <summary>Windows per optimiser step.</summary>
    public int BatchSize { get; init; } = 16;
    public float LearningRate { get; init; } = 0.005f;
    public float WeightDecay { get; init; } = 0.0001f;
    public ulong Seed { get; init; } = 11;
}

/// <summary>
/// Mini-batch AdamW on per-piece softmax cross-entropy over the pieces that carry a tag (each word's first piece),
/// single-threaded float32 in a fixed order, so the same windows and seed give bit-identical weights anywhere.
/// </summary>
public static class TaggerTrainer
{
    private const float Beta1 = 0.9f;
    private const float Beta2 = 0.999f;
    private const float Epsilon = 1e-8f;

    public static (WindowTagger Model, IReadOnlyList<double> EpochLosses) Train(
        IReadOnlyList<TaggedWindow> windows,
        int vocabularySize,
        int tags,
        TaggerOptions options,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(windows);
        ArgumentNullException.ThrowIfNull(options);
        var random = DeterministicRandom.ForStream(options.Seed, "ner-trainer");
        var model = new WindowTagger(vocabularySize, options.Dimension, options.Radius, options.Hidden, tags);
        Initialise(model, random);

        float[][] parameters = [model.Embedding, model.Weight1, model.Bias1, model.Weight2, model.Bias2];
        var gradients = parameters.Select(p => new float[p.Length]).ToArray();
        var firstMoments = parameters.Select(p => new float[p.Length]).ToArray();
        var secondMoments = parameters.Select(p => new float[p.Length]).ToArray();
        var (gE, gW1, gB1, gW2, gB2) = (gradients[0], gradients[1], gradients[2], gradients[3], gradients[4]);

        var features = new float[model.Features];
        var hidden = new float[model.Hidden];
        var logits = new float[tags];
        var hiddenGradient = new float[model.Hidden];
        var featureGradient = new float[model.Features];
        var order = Enumerable.Range(0, windows.Count).ToArray();
        var losses = new List<double>();
        double beta1Power = 1, beta2Power = 1;

        for (var epoch = 0; epoch < options.Epochs; epoch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            random.Shuffle(order);
            double epochLoss = 0;
            long epochPositions = 0;
            for (var start = 0; start < order.Length; start += options.BatchSize)
            {
                var end = Math.Min(start + options.BatchSize, order.Length);
                foreach (var gradient in gradients)
                {
                    Array.Clear(gradient);
                }

                var positions = 0;
                for (var i = start; i < end; i++)
                {
                    foreach (var tag in windows[order[i]].Tags)
                    {
                        positions += tag >= 0 ? 1 : 0;
                    }
                }

                if (positions == 0)
                {
                    continue;
                }

                var scale = 1f / positions;
                for (var i = start; i < end; i++)
                {
                    var window = windows[order[i]];
                    var ids = Array.ConvertAll(window.Ids, id => (long)id);
                    var mask = new long[ids.Length];
                    Array.Fill(mask, 1L);
                    for (var t = 0; t < ids.Length; t++)
                    {
                        var gold = window.Tags[t];
                        if (gold < 0)
                        {
                            continue;
                        }

                        model.Gather(ids, mask, t, features);
                        model.Apply(features, hidden, logits);
                        ClassifierTrainer.Softmax(logits);
                        epochLoss -= Math.Log(Math.Max(logits[gold], 1e-12f));
                        epochPositions++;
                        logits[gold] -= 1f;

                        // logits holds dLoss/dlogits. Output layer, then back through the ReLU.
                        for (var c = 0; c < tags; c++)
                        {
                            gB2[c] += logits[c] * scale;
                        }

                        for (var h = 0; h < model.Hidden; h++)
                        {
                            var sum = 0f;
                            for (var c = 0; c < tags; c++)
                            {
                                gW2[(h * tags) + c] += hidden[h] * logits[c] * scale;
                                sum += model.Weight2[(h * tags) + c] * logits[c];
                            }

                            hiddenGradient[h] = hidden[h] > 0 ? sum * scale : 0f;
                            gB1[h] += hiddenGradient[h];
                        }

                        Array.Clear(featureGradient);
                        for (var f = 0; f < model.Features; f++)
                        {
                            var x = features[f];
                            var sum = 0f;
                            for (var h = 0; h < model.Hidden; h++)
                            {
                                gW1[(f * model.Hidden) + h] += x * hiddenGradient[h];
                                sum += model.Weight1[(f * model.Hidden) + h] * hiddenGradient[h];
                            }

                            featureGradient[f] = sum;
                        }

                        for (var k = 0; k <= 2 * model.Radius; k++)
                        {
                            var position = t + k - model.Radius;
                            if (position < 0 || position >= ids.Length)
                            {
                                continue;
                            }

                            var row = gE.AsSpan(window.Ids[position] * model.Dimension, model.Dimension);
                            for (var d = 0; d < model.Dimension; d++)
                            {
                                row[d] += featureGradient[(k * model.Dimension) + d];
                            }
                        }
                    }
                }

                beta1Power *= Beta1;
                beta2Power *= Beta2;
                var stepSize = (float)(options.LearningRate / (1 - beta1Power));
                var secondCorrection = (float)(1 - beta2Power);
                for (var p = 0; p < parameters.Length; p++)
                {
                    // No decay on biases: they only shift the tag priors.
                    var decay = parameters[p] == model.Bias1 || parameters[p] == model.Bias2 ? 0f : options.LearningRate * options.WeightDecay;
                    AdamStep(parameters[p], gradients[p], firstMoments[p], secondMoments[p], stepSize, secondCorrection, decay);
                }
            }

            losses.Add(epochPositions == 0 ? 0 : epochLoss / epochPositions);
        }

        return (model, losses);
    }

    private static void Initialise(WindowTagger model, DeterministicRandom random)
    {
        for (var i = 0; i < model.Embedding.Length; i++)
        {
            model.Embedding[i] = random.NextSymmetric(0.1f);
        }

        // Glorot-uniform limits, in double: Math.Sqrt is exact.
        var limit1 = (float)Math.Sqrt(6.0 / (model.Features + model.Hidden));
        for (var i = 0; i < model.Weight1.Length; i++)
        {
            model.Weight1[i] = random.NextSymmetric(limit1);
        }

        var limit2 = (float)Math.Sqrt(6.0 / (model.Hidden + model.Tags));
        for (var i = 0; i < model.Weight2.Length; i++)
        {
            model.Weight2[i] = random.NextSymmetric(limit2);
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
}
