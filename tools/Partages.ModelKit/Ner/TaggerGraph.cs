using System.Buffers.Binary;
using Google.Protobuf;
using Onnx;
using static Partages.ModelKit.Onnx.OnnxProtos;

namespace Partages.ModelKit.Ner;

/// <summary>
/// Writes a <see cref="WindowTagger"/> as a standard ONNX graph (default domain, opset 17, IR 8):
/// <code>
/// input_ids [batch, sequence] ──Gather(embedding [V, D])──► emb [batch, sequence, D]
/// attention_mask ──Cast(float)──Unsqueeze(-1)──► mask [batch, sequence, 1]; emb × mask ──► masked
/// masked ──Pad(sequence axis, R zeros each side)──► padded [batch, sequence + 2R, D]
/// padded ──Slice(k … k − 2R) for k = 0 … 2R──► 2R + 1 shifted copies ──Concat(axis 2)──► x [batch, sequence, (2R + 1)·D]
/// x ──MatMul(W1)──Add(b1)──Relu──MatMul(W2)──Add(b2)──► logits [batch, sequence, tags]
/// </code>
/// The k-th slice holds, at position t, the piece at t + k − R, which is the k-th block of <see cref="WindowTagger.Weight1"/>'s rows.
/// </summary>
public static class TaggerGraph
{
    public const int OpsetVersion = Partages.ModelKit.Onnx.OnnxProtos.OpsetVersion;
    public const string InputIds = "input_ids";
    public const string AttentionMask = "attention_mask";
    public const string Logits = "logits";

    /// <param name="heads">Attribute and normalisation heads (<see cref="QualifierHeads"/>): <c>Concat(features, hidden)</c>
    /// then for each <c>──MatMul(W)──Add(b)──► its output [batch, sequence, values]</c> after the logits; null: none.</param>
    public static byte[] Build(WindowTagger model, IReadOnlyList<string> tags, string producerVersion, QualifierHeads? heads = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tags);
        if (tags.Count != model.Tags)
        {
            throw new ArgumentException($"{tags.Count} tag names for {model.Tags} tags.", nameof(tags));
        }

        var graph = new GraphProto { Name = "partages_window_tagger" };
        AddTokenInputs(graph, InputIds, AttentionMask, "batch", "sequence");
        graph.Output.Add(TensorValue(Logits, TensorProto.Types.DataType.Float, Dim("batch"), Dim("sequence"), Dim(model.Tags)));

        graph.Initializer.Add(FloatTensor("embedding.weight", model.Embedding, model.VocabularySize, model.Dimension));
        graph.Initializer.Add(FloatTensor("hidden.weight", model.Weight1, model.Features, model.Hidden));
        graph.Initializer.Add(FloatTensor("hidden.bias", model.Bias1, model.Hidden));
        graph.Initializer.Add(FloatTensor("classifier.weight", model.Weight2, model.Hidden, model.Tags));
        graph.Initializer.Add(FloatTensor("classifier.bias", model.Bias2, model.Tags));
        graph.Initializer.Add(Int64Tensor("axes_last", [-1], 1));
        graph.Initializer.Add(Int64Tensor("axes_sequence", [1], 1));
        var r = model.Radius;
        // Pad's pads input: begins of every axis, then ends: [0, R, 0, 0, R, 0] pads the sequence axis only.
        graph.Initializer.Add(Int64Tensor("pads", [0, r, 0, 0, r, 0], 6));

        AddMaskedEmbeddingNodes(graph, InputIds, AttentionMask, "embedding.weight");
        graph.Node.Add(Node("Pad", ["masked", "pads"], "padded", new AttributeProto { Name = "mode", Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8("constant") }));
        var shifted = new List<string>();
        for (var k = 0; k <= 2 * r; k++)
        {
            // End k − 2R counts from the padded end; the last slice (k = 2R) runs to the end.
            var end = k == 2 * r ? long.MaxValue : k - (2 * r);
            graph.Initializer.Add(Int64Tensor($"slice{k}_start", [k], 1));
            graph.Initializer.Add(Int64Tensor($"slice{k}_end", [end], 1));
            graph.Node.Add(Node("Slice", ["padded", $"slice{k}_start", $"slice{k}_end", "axes_sequence"], $"shifted{k}"));
            shifted.Add($"shifted{k}");
        }

        graph.Node.Add(Node("Concat", [.. shifted], "features", Int("axis", 2)));
        graph.Node.Add(Node("MatMul", ["features", "hidden.weight"], "hidden_linear"));
        graph.Node.Add(Node("Add", ["hidden_linear", "hidden.bias"], "hidden_biased"));
        graph.Node.Add(Node("Relu", ["hidden_biased"], "hidden"));
        graph.Node.Add(Node("MatMul", ["hidden", "classifier.weight"], "projected"));
        graph.Node.Add(Node("Add", ["projected", "classifier.bias"], Logits));
        if (heads is not null)
        {
            graph.Node.Add(Node("Concat", ["features", "hidden"], "head_input", Int("axis", 2)));
        }

        foreach (var head in heads?.Heads ?? [])
        {
            var k = head.Values.Count;
            graph.Output.Add(TensorValue(head.Output, TensorProto.Types.DataType.Float, Dim("batch"), Dim("sequence"), Dim(k)));
            graph.Initializer.Add(FloatTensor(head.Output + ".weight", head.Weight, model.Features + model.Hidden, k));
            graph.Initializer.Add(FloatTensor(head.Output + ".bias", head.Bias, k));
            graph.Node.Add(Node("MatMul", ["head_input", head.Output + ".weight"], head.Output + "_linear"));
            graph.Node.Add(Node("Add", [head.Output + "_linear", head.Output + ".bias"], head.Output));
        }

        const string doc = "Window token classifier (IOB2) trained on fictional French pathology reports. Not for clinical use.";
        return Model(graph, producerVersion, doc, tags).ToByteArray();
    }
}
