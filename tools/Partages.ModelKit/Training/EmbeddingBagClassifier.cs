using Partages.Evaluation;

namespace Partages.ModelKit.Training;

/// <summary>
/// The classifier the bundle carries: token embeddings averaged over the positions the attention mask
/// keeps, then one linear layer. logits = mean(E[ids] where mask = 1) · W + b.
/// </summary>
/// <remarks>
/// The forward pass here is the reference the ONNX graph is checked against; it sums in the same
/// order on every machine (scalar float32, no SIMD whose width would change the order).
/// </remarks>
public sealed class EmbeddingBagClassifier
{
    public EmbeddingBagClassifier(int vocabularySize, int dimension, int classCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vocabularySize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 2);
        VocabularySize = vocabularySize;
        Dimension = dimension;
        ClassCount = classCount;
        Embedding = new float[vocabularySize * dimension];
        Weight = new float[dimension * classCount];
        Bias = new float[classCount];
    }

    public int VocabularySize { get; }

    public int Dimension { get; }

    public int ClassCount { get; }

    /// <summary>[VocabularySize, Dimension], row-major.</summary>
    public float[] Embedding { get; }

    /// <summary>[Dimension, ClassCount], row-major.</summary>
    public float[] Weight { get; }

    /// <summary>[ClassCount].</summary>
    public float[] Bias { get; }

    /// <summary>Logits [batch, ClassCount], row-major.</summary>
    public float[] Forward(EncodedBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var logits = new float[batch.BatchSize * ClassCount];
        var pooled = new float[Dimension];
        for (var row = 0; row < batch.BatchSize; row++)
        {
            Pool(batch.Row(row), batch.MaskRow(row), pooled);
            Classify(pooled, logits.AsSpan(row * ClassCount, ClassCount));
        }

        return logits;
    }

    /// <summary>Masked mean of the embeddings; zeros when the mask keeps nothing.</summary>
    /// <returns>The divisor used (at least 1), which the gradient needs.</returns>
    internal float Pool(ReadOnlySpan<long> ids, ReadOnlySpan<long> mask, Span<float> pooled)
    {
        pooled.Clear();
        var count = 0f;
        for (var t = 0; t < ids.Length; t++)
        {
            if (mask[t] == 0)
            {
                continue;
            }

            var m = (float)mask[t];
            count += m;
            var row = Embedding.AsSpan(checked((int)ids[t]) * Dimension, Dimension);
            for (var d = 0; d < Dimension; d++)
            {
                pooled[d] += row[d] * m;
            }
        }

        // Same guard as the graph's Max(count, 1): an all-padding row pools to zeros instead of NaN.
        var divisor = MathF.Max(count, 1f);
        for (var d = 0; d < Dimension; d++)
        {
            pooled[d] /= divisor;
        }

        return divisor;
    }

    internal void Classify(ReadOnlySpan<float> pooled, Span<float> logits)
    {
        for (var c = 0; c < ClassCount; c++)
        {
            var sum = 0f;
            for (var d = 0; d < Dimension; d++)
            {
                sum += pooled[d] * Weight[d * ClassCount + c];
            }

            logits[c] = sum + Bias[c];
        }
    }

    /// <summary>Index of the largest logit of each row (first one on ties).</summary>
    public static int[] ArgMax(ReadOnlySpan<float> logits, int classCount)
    {
        var predictions = new int[logits.Length / classCount];
        for (var row = 0; row < predictions.Length; row++)
        {
            predictions[row] = Maxima.ArgMax(logits.Slice(row * classCount, classCount));
        }

        return predictions;
    }
}
