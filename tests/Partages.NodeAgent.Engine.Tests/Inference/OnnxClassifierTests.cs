using Microsoft.ML.OnnxRuntime;
using Partages.NodeAgent.Engine.Inference;
using Partages.NodeAgent.Engine.Tokenization;

namespace Partages.NodeAgent.Engine.Tests.Inference;

public sealed class OnnxClassifierTests
{
    [Test]
    public void Version_OfTheLoadedNativeRuntime_IsASemanticVersion()
    {
        OnnxRuntimeInfo.Version.Should().MatchRegex(@"^\d+\.\d+\.\d+$");
    }

    /// <summary>
    /// The engine's session runs without ONNX Runtime's memory patterns (issue 15: they kept a block per batch shape).
    /// Batches whose shape changes from call to call, as length-aware batching makes them, and a shape met again must
    /// score exactly as a session with ONNX Runtime's defaults.
    /// </summary>
    [Test]
    public void Score_BatchesOfChangingShape_SameLogitsAsASessionWithOnnxRuntimeDefaults()
    {
        var graph = AmrTestModel.Graph.ToOnnx();
        using var classifier = OnnxClassifier.Create(graph, AmrTestModel.Manifest, new EvaluationEngineOptions());
        using var reference = new InferenceSession(graph);
        var blse = AmrTestModel.TokenId("blse");
        var sarm = AmrTestModel.TokenId("sarm");
        var epc = AmrTestModel.TokenId("epc");
        foreach (var (rows, length) in new[] { (3, 5), (1, 17), (4, 9), (3, 5), (2, 31) })
        {
            var ids = new long[rows * length];
            var mask = new long[rows * length];
            for (var r = 0; r < rows; r++)
            {
                // Each row real up to a different length, with a different mix of keywords, the rest padding.
                var real = Math.Max(2, length - r);
                for (var t = 0; t < real; t++)
                {
                    ids[(r * length) + t] = ((t + r) % 4) switch { 0 => blse, 1 => sarm, 2 => epc, _ => AmrTestModel.TokenId("la") };
                    mask[(r * length) + t] = 1;
                }
            }

            var batch = new TokenBatch(ids, mask, null, rows, rows, length, [], 0);
            var logits = new float[rows * classifier.Classes];
            classifier.Score(batch, logits, CancellationToken.None);

            long[] shape = [rows, length];
            using var inputIds = OrtValue.CreateTensorValueFromMemory(ids, shape);
            using var attentionMask = OrtValue.CreateTensorValueFromMemory(mask, shape);
            using var runOptions = new RunOptions();
            using var outputs = reference.Run(runOptions, ["input_ids", "attention_mask"], [inputIds, attentionMask], ["logits"]);
            logits.Should().Equal(outputs[0].GetTensorDataAsSpan<float>().ToArray(), $"a batch of {rows} × {length}");
        }
    }
}
