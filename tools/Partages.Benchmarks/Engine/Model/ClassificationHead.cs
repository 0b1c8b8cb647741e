using Google.Protobuf;
using Onnx;
using static Partages.ModelKit.Onnx.OnnxProtos;

namespace Partages.Benchmarks.Engine.Model;

/// <summary>
/// Puts the project's classification head on a BERT-style encoder graph that outputs <c>last_hidden_state</c>
/// <c>[batch, sequence, hidden]</c>, with standard operators only (the encoder's own opset, 13 or later):
/// <code>
/// last_hidden_state × mask ──ReduceSum(axis 1)──► summed [batch, hidden]
/// attention_mask ──Cast(float)──► mask ──ReduceSum(axis 1, keepdims)──Max(1)──► count [batch, 1]
/// summed ÷ count ──► pooled [batch, hidden] ──MatMul(W [hidden, C])──Add(b [C])──► logits [batch, C]
/// </code>
/// The masked mean is sentence-transformers' own pooling for all-MiniLM-L6-v2. The graph ends at the logits, not at a
/// softmax: the manifest's <c>outputs.logits</c> is logits and the engine applies the softmax itself (a softmax in the
/// graph would be applied twice). Every node the new output does not need (the encoder's tanh pooler) is pruned, and
/// the encoder's outputs are replaced by the one output, so ONNX Runtime computes nothing the head does not read.
/// </summary>
internal static class ClassificationHead
{
    public const string EncoderOutput = "last_hidden_state";
    public const string AttentionMask = "attention_mask";
    public const string Logits = "logits";
    /// <summary>The output of <see cref="BuildPooling"/>: the masked mean, what the head is fitted on.</summary>
    public const string Pooled = "pooled";

    private const string Prefix = "partages_head/";
    private const long MinimumOpset = 13;

    /// <summary>The encoder with a masked-mean pooling output <see cref="Pooled"/> <c>[batch, hidden]</c> and no other.</summary>
    public static ModelProto BuildPooling(byte[] encoder, int hidden)
    {
        var model = Parse(encoder);
        AddPooling(model.Graph);
        ReplaceOutputs(model.Graph, TensorValue(Pooled, TensorProto.Types.DataType.Float, Dim("batch"), Dim(hidden)));
        Prune(model.Graph);
        return model;
    }

    /// <summary>The encoder with pooling and a linear layer: output <see cref="Logits"/> <c>[batch, classes]</c>.</summary>
    /// <param name="weight">Row-major <c>[hidden, classes]</c>.</param>
    public static ModelProto Build(byte[] encoder, float[] weight, float[] bias)
    {
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(bias);
        var classes = bias.Length;
        if (classes == 0 || weight.Length % classes != 0)
        {
            throw new ArgumentException($"a weight of {weight.Length} values does not fit {classes} classes", nameof(weight));
        }

        var hidden = weight.Length / classes;
        var model = Parse(encoder);
        var graph = model.Graph;
        var pooled = AddPooling(graph);
        graph.Initializer.Add(FloatTensor(Prefix + "classifier.weight", weight, hidden, classes));
        graph.Initializer.Add(FloatTensor(Prefix + "classifier.bias", bias, classes));
        graph.Node.Add(Node("MatMul", [pooled, Prefix + "classifier.weight"], Prefix + "projected"));
        graph.Node.Add(Node("Add", [Prefix + "projected", Prefix + "classifier.bias"], Logits));
        ReplaceOutputs(graph, TensorValue(Logits, TensorProto.Types.DataType.Float, Dim("batch"), Dim(classes)));
        Prune(graph);
        model.DocString = "all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0) with a Partages benchmark classification head "
            + "fitted on fictional French microbiology reports. For benchmarks only; not for clinical use.";
        return model;
    }

    private static ModelProto Parse(byte[] encoder)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        var model = ModelProto.Parser.ParseFrom(encoder);
        var opset = model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx")?.Version ?? 0;
        if (opset < MinimumOpset)
        {
            // ReduceSum and Unsqueeze take their axes as an input from opset 13; the head is written that way.
            throw new InvalidDataException($"the encoder imports opset {opset}; the head needs {MinimumOpset} or later");
        }

        if (model.Graph.Output.All(o => o.Name != EncoderOutput) || model.Graph.Input.All(i => i.Name != AttentionMask))
        {
            throw new InvalidDataException($"the encoder must take '{AttentionMask}' and output '{EncoderOutput}'");
        }

        return model;
    }

    /// <returns>The name of the pooled tensor.</returns>
    private static string AddPooling(GraphProto graph)
    {
        graph.Initializer.Add(Int64Tensor(Prefix + "axes_last", [-1], 1));
        graph.Initializer.Add(Int64Tensor(Prefix + "axes_sequence", [1], 1));
        graph.Initializer.Add(FloatTensor(Prefix + "one", [1f]));
        graph.Node.Add(Node("Cast", [AttentionMask], Prefix + "mask", new AttributeProto { Name = "to", Type = AttributeProto.Types.AttributeType.Int, I = (long)TensorProto.Types.DataType.Float }));
        graph.Node.Add(Node("Unsqueeze", [Prefix + "mask", Prefix + "axes_last"], Prefix + "mask_expanded"));
        graph.Node.Add(Node("Mul", [EncoderOutput, Prefix + "mask_expanded"], Prefix + "masked"));
        graph.Node.Add(Node("ReduceSum", [Prefix + "masked", Prefix + "axes_sequence"], Prefix + "summed", KeepDims(0)));
        graph.Node.Add(Node("ReduceSum", [Prefix + "mask", Prefix + "axes_sequence"], Prefix + "count", KeepDims(1)));
        // An all-padding row (a filler row of a fixed-size batch) has count 0: dividing by max(count, 1) keeps it finite.
        graph.Node.Add(Node("Max", [Prefix + "count", Prefix + "one"], Prefix + "divisor"));
        graph.Node.Add(Node("Div", [Prefix + "summed", Prefix + "divisor"], Pooled));
        return Pooled;
    }

    private static void ReplaceOutputs(GraphProto graph, ValueInfoProto output)
    {
        graph.Output.Clear();
        graph.Output.Add(output);
    }

    /// <summary>Keeps only the nodes and initializers the graph's outputs depend on.</summary>
    private static void Prune(GraphProto graph)
    {
        var producers = new Dictionary<string, NodeProto>(StringComparer.Ordinal);
        foreach (var node in graph.Node)
        {
            foreach (var output in node.Output)
            {
                producers[output] = node;
            }
        }

        var needed = new HashSet<string>(graph.Output.Select(o => o.Name), StringComparer.Ordinal);
        var kept = new HashSet<NodeProto>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<string>(needed);
        while (pending.TryPop(out var name))
        {
            if (!producers.TryGetValue(name, out var node) || !kept.Add(node))
            {
                continue;
            }

            foreach (var input in node.Input.Where(i => i.Length > 0 && needed.Add(i)))
            {
                pending.Push(input);
            }
        }

        // Original order: it is already topological.
        var nodes = graph.Node.Where(kept.Contains).ToList();
        graph.Node.Clear();
        graph.Node.AddRange(nodes);
        var initializers = graph.Initializer.Where(t => needed.Contains(t.Name)).ToList();
        graph.Initializer.Clear();
        graph.Initializer.AddRange(initializers);
        var values = graph.ValueInfo.Where(v => needed.Contains(v.Name)).ToList();
        graph.ValueInfo.Clear();
        graph.ValueInfo.AddRange(values);
    }

    public static byte[] Serialize(ModelProto model) => model.ToByteArray();
}
