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

        // No decay on biases: they only shift the tag priors.
        var optimiser = new AdamW([model.Embedding, model.Weight1, model.Bias1, model.Weight2, model.Bias2], options.LearningRate, options.WeightDecay, model.Bias1, model.Bias2);
        var gradients = optimiser.Gradients;
        var (gE, gW1, gB1, gW2, gB2) = (gradients[0], gradients[1], gradients[2], gradients[3], gradients[4]);

        var features = new float[model.Features];
        var hidden = new float[model.Hidden];
        var logits = new float[tags];
        var hiddenGradient = new float[model.Hidden];
        var featureGradient = new float[model.Features];
        var order = Enumerable.Range(0, windows.Count).ToArray();
        var losses = new List<double>();

        for (var epoch = 0; epoch < options.Epochs; epoch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            random.Shuffle(order);
            double epochLoss = 0;
            long epochPositions = 0;
            for (var start = 0; start < order.Length; start += options.BatchSize)
            {
                var end = Math.Min(start + options.BatchSize, order.Length);
                optimiser.ClearGradients();

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

                optimiser.Step();
            }

            losses.Add(epochPositions == 0 ? 0 : epochLoss / epochPositions);
        }

        return (model, losses);
    }

    private static void Initialise(WindowTagger model, DeterministicRandom random)
    {
        AdamW.InitialiseUniform(model.Embedding, 0.1f, random);
        AdamW.InitialiseGlorot(model.Weight1, model.Features, model.Hidden, random);
        AdamW.InitialiseGlorot(model.Weight2, model.Hidden, model.Tags, random);
    }
}
