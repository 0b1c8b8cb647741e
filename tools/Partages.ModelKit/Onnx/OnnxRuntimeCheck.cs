using Microsoft.ML.OnnxRuntime;

namespace Partages.ModelKit.Onnx;

/// <summary>What ONNX Runtime computed from the written graph, beside the C# reference.</summary>
public sealed record OnnxCheckResult(float[] Logits, double MaxAbsoluteDifference);

/// <summary>
/// Runs the serialized graph in ONNX Runtime, the engine the node agents use, and compares its logits
/// with <see cref="EmbeddingBagClassifier.Forward"/>: a bundle is written only if they agree.
/// </summary>
public static class OnnxRuntimeCheck
{
    public static float[] Run(byte[] onnxModel, EncodedBatch batch)
    {
        ArgumentNullException.ThrowIfNull(onnxModel);
        ArgumentNullException.ThrowIfNull(batch);
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(onnxModel, options);
        long[] shape = [batch.BatchSize, batch.SequenceLength];
        using var ids = OrtValue.CreateTensorValueFromMemory(batch.InputIds, shape);
        using var mask = OrtValue.CreateTensorValueFromMemory(batch.AttentionMask, shape);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(
            runOptions,
            [ClassifierGraph.InputIds, ClassifierGraph.AttentionMask],
            [ids, mask],
            [ClassifierGraph.Logits]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    public static OnnxCheckResult Compare(byte[] onnxModel, EmbeddingBagClassifier reference, EncodedBatch batch)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var actual = Run(onnxModel, batch);
        var expected = reference.Forward(batch);
        if (actual.Length != expected.Length)
        {
            throw new InvalidDataException($"ONNX Runtime returned {actual.Length} logits, expected {expected.Length}.");
        }

        var max = 0.0;
        for (var i = 0; i < actual.Length; i++)
        {
            max = Math.Max(max, Math.Abs(actual[i] - expected[i]));
        }

        return new OnnxCheckResult(actual, max);
    }
}
