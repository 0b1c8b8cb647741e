using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace Partages.Benchmarks.Tests.Engine.Model;

/// <summary>The head on a tiny encoder built here, shaped like a Hugging Face BERT export (and with its tanh pooler).</summary>
public sealed class ClassificationHeadTests
{
    private const int Hidden = 3;

    // Token embeddings [6, 3] and token-type embeddings [2, 3]: last_hidden_state = emb[id] + type[type_id].
    private static readonly float[] s_embedding = [0.5f, -1f, 2f, 1f, 0f, -0.5f, 2f, 1f, 1f, -1f, 3f, 0f, 0.25f, 0.75f, -2f, 4f, -3f, 1.5f];
    private static readonly float[] s_typeEmbedding = [0.1f, 0.2f, 0.3f, -0.1f, -0.2f, -0.3f];
    private static readonly float[] s_weight = [1f, -1f, 0.5f, 2f, -0.25f, 0.75f];
    private static readonly float[] s_bias = [0.3f, -0.6f];

    [Test]
    public void Build_TinyEncoder_LogitsAreTheLinearHeadOfTheMaskedMean()
    {
        var graph = ClassificationHead.Serialize(ClassificationHead.Build(TinyEncoder(13), s_weight, s_bias));
        long[] ids = [1, 2, 3, 0, 4, 5, 0, 0];
        long[] mask = [1, 1, 1, 0, 1, 1, 0, 0];

        var logits = Run(graph, ids, mask);

        logits.Should().HaveCount(4);
        logits.Take(2).Should().Equal(Expected([1, 2, 3]), (a, e) => Math.Abs(a - e) < 1e-5);
        logits.Skip(2).Should().Equal(Expected([4, 5]), (a, e) => Math.Abs(a - e) < 1e-5);
    }

    [Test]
    public void Build_DifferentIdsUnderPadding_SameLogits()
    {
        var graph = ClassificationHead.Serialize(ClassificationHead.Build(TinyEncoder(13), s_weight, s_bias));
        long[] mask = [1, 1, 0, 0];

        var padded = Run(graph, [1, 2, 0, 0], mask);
        var otherPadding = Run(graph, [1, 2, 5, 3], mask);

        otherPadding.Should().Equal(padded);
    }

    [Test]
    public void Build_EncoderWithPooler_KeepsOnlyTheLogitsAndWhatTheyNeed()
    {
        var model = ClassificationHead.Build(TinyEncoder(13), s_weight, s_bias);

        model.Graph.Output.Select(o => o.Name).Should().Equal(ClassificationHead.Logits);
        model.Graph.Node.Select(n => n.OpType).Should().NotContain(["Tanh", "ReduceMean"]);
        model.Graph.Initializer.Select(t => t.Name).Should().NotContain("pooler.weight").And.Contain(["embedding", "type_embedding"]);
        model.Graph.Input.Select(i => i.Name).Should().Equal("input_ids", "attention_mask", "token_type_ids");
    }

    [Test]
    public void BuildPooling_TinyEncoder_OutputsTheMaskedMean()
    {
        var graph = ClassificationHead.Serialize(ClassificationHead.BuildPooling(TinyEncoder(13), Hidden));

        var pooled = Run(graph, [1, 2, 3, 0], [1, 1, 1, 0], ClassificationHead.Pooled);

        pooled.Should().Equal(MaskedMean([1, 2, 3]), (a, e) => Math.Abs(a - e) < 1e-6);
    }

    [Test]
    public void Build_EncoderBeforeOpset13_Refused()
    {
        var act = () => ClassificationHead.Build(TinyEncoder(12), s_weight, s_bias);

        act.Should().Throw<InvalidDataException>().WithMessage("*opset 12*13*");
    }

    [Test]
    public void Build_WeightNotAMultipleOfTheClasses_Refused()
    {
        var act = () => ClassificationHead.Build(TinyEncoder(13), [1f, 2f, 3f], s_bias);

        act.Should().Throw<ArgumentException>();
    }

    private static double[] MaskedMean(int[] ids) =>
        [.. Enumerable.Range(0, Hidden).Select(h => ids.Average(id => (double)s_embedding[(id * Hidden) + h] + s_typeEmbedding[h]))];

    private static double[] Expected(int[] ids)
    {
        var pooled = MaskedMean(ids);
        return [.. Enumerable.Range(0, 2).Select(c => s_bias[c] + Enumerable.Range(0, Hidden).Sum(h => pooled[h] * s_weight[(h * 2) + c]))];
    }

    private static float[] Run(byte[] graph, long[] ids, long[] mask, string output = ClassificationHead.Logits)
    {
        using var session = new InferenceSession(graph);
        long[] shape = [ids.Length / 4, 4];
        using var idValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using var typeValue = OrtValue.CreateTensorValueFromMemory(new long[ids.Length], shape);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["input_ids", "attention_mask", "token_type_ids"], [idValue, maskValue, typeValue], [output]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>emb[input_ids] + type[token_type_ids] → last_hidden_state; a pooler (mean, MatMul, tanh) the head must prune.</summary>
    private static byte[] TinyEncoder(long opset)
    {
        var graph = new GraphProto { Name = "tiny_encoder" };
        foreach (var name in (string[])["input_ids", "attention_mask", "token_type_ids"])
        {
            graph.Input.Add(Value(name, TensorProto.Types.DataType.Int64, "batch", "sequence"));
        }

        graph.Output.Add(Value("last_hidden_state", TensorProto.Types.DataType.Float, "batch", "sequence", "hidden"));
        graph.Output.Add(Value("pooler_output", TensorProto.Types.DataType.Float, "batch", "hidden"));
        graph.Initializer.Add(Floats("embedding", s_embedding, 6, Hidden));
        graph.Initializer.Add(Floats("type_embedding", s_typeEmbedding, 2, Hidden));
        graph.Initializer.Add(Floats("pooler.weight", [1f, 0f, 0f, 0f, 1f, 0f, 0f, 0f, 1f], Hidden, Hidden));
        graph.Node.Add(Node("Gather", ["embedding", "input_ids"], "tokens"));
        graph.Node.Add(Node("Gather", ["type_embedding", "token_type_ids"], "types"));
        graph.Node.Add(Node("Add", ["tokens", "types"], "last_hidden_state"));
        var mean = Node("ReduceMean", ["last_hidden_state"], "mean");
        mean.Attribute.Add(new AttributeProto { Name = "axes", Type = AttributeProto.Types.AttributeType.Ints, Ints = { 1 } });
        mean.Attribute.Add(new AttributeProto { Name = "keepdims", Type = AttributeProto.Types.AttributeType.Int, I = 0 });
        graph.Node.Add(mean);
        graph.Node.Add(Node("MatMul", ["mean", "pooler.weight"], "projected"));
        graph.Node.Add(Node("Tanh", ["projected"], "pooler_output"));
        var model = new ModelProto { IrVersion = 7, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model.ToByteArray();
    }

    private static NodeProto Node(string opType, string[] inputs, string output)
    {
        var node = new NodeProto { OpType = opType, Name = output };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        return node;
    }

    private static ValueInfoProto Value(string name, TensorProto.Types.DataType type, params string[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.AddRange(dims.Select(d => new TensorShapeProto.Types.Dimension { DimParam = d }));
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } } };
    }

    private static TensorProto Floats(string name, float[] values, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        tensor.FloatData.AddRange(values);
        return tensor;
    }
}
