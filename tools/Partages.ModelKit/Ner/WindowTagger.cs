namespace Partages.ModelKit.Ner;

/// <summary>
/// The token classifier the NER bundle carries. For each position t of a window, the embeddings of the pieces
/// t − R … t + R (zeros outside the window or on padding) are concatenated, go through one hidden ReLU layer, then a
/// linear layer to one logit per IOB2 tag:
/// <code>x_t = [E[id_{t−R}] … E[id_{t+R}]]   h_t = relu(x_t · W1 + b1)   logits_t = h_t · W2 + b2</code>
/// The forward pass here is the reference the ONNX graph is checked against (scalar float32, fixed summation order).
/// </summary>
public sealed class WindowTagger
{
    public WindowTagger(int vocabularySize, int dimension, int radius, int hidden, int tags)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vocabularySize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        ArgumentOutOfRangeException.ThrowIfNegative(radius);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hidden);
        ArgumentOutOfRangeException.ThrowIfLessThan(tags, 2);
        VocabularySize = vocabularySize;
        Dimension = dimension;
        Radius = radius;
        Hidden = hidden;
        Tags = tags;
        Embedding = new float[vocabularySize * dimension];
        Weight1 = new float[Features * hidden];
        Bias1 = new float[hidden];
        Weight2 = new float[hidden * tags];
        Bias2 = new float[tags];
    }

    public int VocabularySize { get; }
    public int Dimension { get; }
    public int Radius { get; }
    public int Hidden { get; }
    public int Tags { get; }

    /// <summary>Length of one position's input: (2R + 1) embeddings.</summary>
    public int Features => ((2 * Radius) + 1) * Dimension;

    /// <summary>[VocabularySize, Dimension].</summary>
    public float[] Embedding { get; }
    /// <summary>[Features, Hidden]; rows Dimension·k … Dimension·(k + 1) − 1 read the piece at offset k − R.</summary>
    public float[] Weight1 { get; }
    public float[] Bias1 { get; }
    /// <summary>[Hidden, Tags].</summary>
    public float[] Weight2 { get; }
    public float[] Bias2 { get; }

    /// <summary>Fills <paramref name="features"/> for position <paramref name="t"/>: neighbours outside [0, length) or masked read as zeros.</summary>
    internal void Gather(ReadOnlySpan<long> ids, ReadOnlySpan<long> mask, int t, Span<float> features)
    {
        features.Clear();
        for (var k = 0; k <= 2 * Radius; k++)
        {
            var position = t + k - Radius;
            if (position < 0 || position >= ids.Length || mask[position] == 0)
            {
                continue;
            }

            Embedding.AsSpan(checked((int)ids[position]) * Dimension, Dimension).CopyTo(features.Slice(k * Dimension, Dimension));
        }
    }

    /// <summary>Hidden activations (after ReLU) and logits of one position's features.</summary>
    internal void Apply(ReadOnlySpan<float> features, Span<float> hidden, Span<float> logits)
    {
        for (var h = 0; h < Hidden; h++)
        {
            var sum = Bias1[h];
            for (var f = 0; f < features.Length; f++)
            {
                sum += features[f] * Weight1[(f * Hidden) + h];
            }

            hidden[h] = sum > 0 ? sum : 0;
        }

        for (var c = 0; c < Tags; c++)
        {
            var sum = Bias2[c];
            for (var h = 0; h < Hidden; h++)
            {
                sum += hidden[h] * Weight2[(h * Tags) + c];
            }

            logits[c] = sum;
        }
    }

    /// <summary>Logits [batch, sequence, Tags], row-major, of padded id and mask tensors [batch, sequence].</summary>
    public float[] Forward(long[] ids, long[] mask, int batch, int sequence)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(mask);
        var logits = new float[batch * sequence * Tags];
        var features = new float[Features];
        var hidden = new float[Hidden];
        for (var row = 0; row < batch; row++)
        {
            var rowIds = ids.AsSpan(row * sequence, sequence);
            var rowMask = mask.AsSpan(row * sequence, sequence);
            for (var t = 0; t < sequence; t++)
            {
                Gather(rowIds, rowMask, t, features);
                Apply(features, hidden, logits.AsSpan(((row * sequence) + t) * Tags, Tags));
            }
        }

        return logits;
    }
}
