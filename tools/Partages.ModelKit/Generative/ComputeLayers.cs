using Onnx;
using Partages.ModelKit.Determinism;
using static Partages.ModelKit.Onnx.OnnxProtos;

namespace Partages.ModelKit.Generative;

/// <summary>How much per-token compute <see cref="ComputeLayers"/> adds: transformer layers of a hidden width.</summary>
public sealed record ComputeSize(int Layers, int Width)
{
    /// <summary>Lists every invalid setting, for options validated at start.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Layers is < 1 or > 64)
        {
            errors.Add($"compute layers must be within [1, 64] (was {Layers}).");
        }

        if (Width is < 8 or > 4096)
        {
            errors.Add($"compute width must be within [8, 4096] (was {Width}).");
        }

        return errors;
    }
}

/// <summary>
/// Adds per-token compute to the status decoder without changing a single output: <see cref="ComputeSize.Layers"/>
/// pre-set transformer layers (an embedding of <see cref="ComputeSize.Width"/>, then per layer one attention head over
/// its own key/value cache and a 4×-wide ReLU feed-forward, both residual) whose final hidden state is projected onto
/// the vocabulary by a zero matrix and added to the logits. ONNX Runtime computes every product (it does not fold a
/// product with a non-constant operand), and ONNX Runtime GenAI feeds and grows every layer's cache, so a generation
/// loop measured on this model pays a real model's per-token work, while its tokens stay the status decoder's.
/// Benchmarks only: the weights are random, the extra layers know nothing.
/// </summary>
public static class ComputeLayers
{
    private const ulong Seed = 0x636F_6D70_7574_6501;

    /// <summary>Layer l's cache names, as genai_config.json's %d patterns expand them (layer 0 is the status decoder's).</summary>
    public static string PastKey(int layer) => $"past_key_values.{layer}.key";

    public static string PastValue(int layer) => $"past_key_values.{layer}.value";

    public static string PresentKey(int layer) => $"present.{layer}.key";

    public static string PresentValue(int layer) => $"present.{layer}.value";

    /// <summary>Adds the layers (1 … <see cref="ComputeSize.Layers"/>) to <paramref name="graph"/>, whose logits it rewires.</summary>
    /// <param name="head">The cache's head size: GenAI gives every layer the same cache shape.</param>
    public static void Add(GraphProto graph, ComputeSize size, int vocabulary, int head)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(size);
        if (size.Validate() is { Count: > 0 } errors)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(size));
        }

        var random = new DeterministicRandom(Seed);
        int width = size.Width, inner = 4 * size.Width;
        graph.Initializer.Add(Weights("compute_embedding", random, vocabulary, width));
        graph.Initializer.Add(FloatTensor("compute_scale", [1f / MathF.Sqrt(head)]));
        graph.Node.Add(Node("Gather", ["compute_embedding", StatusDecoderGraph.InputIds], "compute_h0", Int("axis", 0)));
        for (var layer = 1; layer <= size.Layers; layer++)
        {
            graph.Input.Add(TensorValue(PastKey(layer), TensorProto.Types.DataType.Float, Dim("batch_size"), Dim(1), Dim("past_sequence_length"), Dim(head)));
            graph.Input.Add(TensorValue(PastValue(layer), TensorProto.Types.DataType.Float, Dim("batch_size"), Dim(1), Dim("past_sequence_length"), Dim(head)));
            graph.Output.Add(TensorValue(PresentKey(layer), TensorProto.Types.DataType.Float, Dim("batch_size"), Dim(1), Dim("total_sequence_length"), Dim(head)));
            graph.Output.Add(TensorValue(PresentValue(layer), TensorProto.Types.DataType.Float, Dim("batch_size"), Dim(1), Dim("total_sequence_length"), Dim(head)));
            AddLayer(graph, random, layer, width, inner, head);
        }

        // The last hidden state through a zero projection: every product is computed, nothing reaches the tokens.
        graph.Initializer.Add(FloatTensor("compute_to_vocabulary", new float[width * vocabulary], width, vocabulary));
        graph.Node.Add(Node("MatMul", [$"compute_h{size.Layers}", "compute_to_vocabulary"], "compute_logits"));
        var logits = graph.Node.Single(n => n.Output.Contains(StatusDecoderGraph.Logits));
        logits.Output[0] = "status_logits";
        logits.Name = "status_logits_" + logits.OpType;
        graph.Node.Add(Node("Add", ["status_logits", "compute_logits"], StatusDecoderGraph.Logits));
    }

    /// <summary>compute_h{l} = h + FFN(h + Attention(h)), h = compute_h{l-1}; the causal mask is the status decoder's "penalty".</summary>
    private static void AddLayer(GraphProto graph, DeterministicRandom random, int layer, int width, int inner, int head)
    {
        string P(string name) => $"compute{layer}_{name}";
        var h = $"compute_h{layer - 1}";
        foreach (var (name, rows, columns) in new[] { ("wq", width, head), ("wk", width, head), ("wv", width, head), ("wo", head, width), ("w1", width, inner), ("w2", inner, width) })
        {
            graph.Initializer.Add(Weights(P(name), random, rows, columns));
        }

        foreach (var name in (string[])["q", "k", "v"])
        {
            graph.Node.Add(Node("MatMul", [h, P("w" + name)], P(name)));
            graph.Node.Add(Node("Unsqueeze", [P(name), "axis_1"], P(name + "4")));
        }

        graph.Node.Add(Node("Concat", [PastKey(layer), P("k4")], PresentKey(layer), Int("axis", 2)));
        graph.Node.Add(Node("Concat", [PastValue(layer), P("v4")], PresentValue(layer), Int("axis", 2)));
        graph.Node.Add(Node("Transpose", [PresentKey(layer)], P("key_t"), Ints("perm", 0, 1, 3, 2)));
        graph.Node.Add(Node("MatMul", [P("q4"), P("key_t")], P("scores_raw")));
        graph.Node.Add(Node("Mul", [P("scores_raw"), "compute_scale"], P("scores")));
        graph.Node.Add(Node("Add", [P("scores"), "penalty"], P("masked")));
        graph.Node.Add(Node("Softmax", [P("masked")], P("attention"), Int("axis", -1)));
        graph.Node.Add(Node("MatMul", [P("attention"), PresentValue(layer)], P("context4")));
        graph.Node.Add(Node("Squeeze", [P("context4"), "axis_1"], P("context")));
        graph.Node.Add(Node("MatMul", [P("context"), P("wo")], P("attended")));
        graph.Node.Add(Node("Add", [h, P("attended")], P("mid")));
        graph.Node.Add(Node("MatMul", [P("mid"), P("w1")], P("up")));
        graph.Node.Add(Node("Relu", [P("up")], P("active")));
        graph.Node.Add(Node("MatMul", [P("active"), P("w2")], P("down")));
        graph.Node.Add(Node("Add", [P("mid"), P("down")], $"compute_h{layer}"));
    }

    /// <summary>Uniform in ±0.5/√rows: small enough that the residual stream stays finite (0 × ∞ would be NaN) through every layer.</summary>
    private static TensorProto Weights(string name, DeterministicRandom random, int rows, int columns)
    {
        var limit = 0.5f / MathF.Sqrt(rows);
        var values = new float[rows * columns];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = random.NextSymmetric(limit);
        }

        return FloatTensor(name, values, rows, columns);
    }
}
