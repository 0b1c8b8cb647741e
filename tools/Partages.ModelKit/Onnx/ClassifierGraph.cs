using System.Buffers.Binary;
using Google.Protobuf;
using Onnx;
using static Partages.ModelKit.Onnx.OnnxProtos;

namespace Partages.ModelKit.Onnx;

/// <summary>
/// Writes an <see cref="EmbeddingBagClassifier"/> as a standard ONNX graph (default domain, opset 17,
/// no custom operator) and reads its weights back:
/// <code>
/// input_ids [batch, sequence] ──Gather(embedding [V, D])──► emb [batch, sequence, D]
/// attention_mask ──Cast(float)──► mask [batch, sequence] ──Unsqueeze(-1)──► [batch, sequence, 1]
/// emb × mask ──ReduceSum(axis 1)──► summed [batch, D]
/// mask ──ReduceSum(axis 1, keepdims)──► count [batch, 1] ──Max(1)──► divisor
/// summed ÷ divisor ──MatMul(weight [D, C])──Add(bias [C])──► logits [batch, C]
/// </code>
/// </summary>
public static class ClassifierGraph
{
    public const int OpsetVersion = OnnxProtos.OpsetVersion;
    public const string InputIds = "input_ids";
    public const string AttentionMask = "attention_mask";
    public const string Logits = "logits";
    public const string BatchDimension = "batch";
    public const string SequenceDimension = "sequence";

    private const string EmbeddingName = "embedding.weight";
    private const string WeightName = "classifier.weight";
    private const string BiasName = "classifier.bias";

    public static ModelProto Build(EmbeddingBagClassifier model, IReadOnlyList<string> labels, string producerVersion)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count != model.ClassCount)
        {
            throw new ArgumentException($"{labels.Count} labels for {model.ClassCount} classes.", nameof(labels));
        }

        var graph = new GraphProto { Name = "partages_embedding_bag_classifier" };
        AddTokenInputs(graph, InputIds, AttentionMask, BatchDimension, SequenceDimension);
        graph.Output.Add(TensorValue(Logits, TensorProto.Types.DataType.Float, Dim(BatchDimension), Dim(model.ClassCount)));

        graph.Initializer.Add(FloatTensor(EmbeddingName, model.Embedding, model.VocabularySize, model.Dimension));
        graph.Initializer.Add(FloatTensor(WeightName, model.Weight, model.Dimension, model.ClassCount));
        graph.Initializer.Add(FloatTensor(BiasName, model.Bias, model.ClassCount));
        graph.Initializer.Add(Int64Tensor("axes_last", [-1], 1));
        graph.Initializer.Add(Int64Tensor("axes_sequence", [1], 1));
        graph.Initializer.Add(FloatTensor("one", [1f]));

        AddMaskedEmbeddingNodes(graph, InputIds, AttentionMask, EmbeddingName);
        graph.Node.Add(Node("ReduceSum", ["masked", "axes_sequence"], "summed", KeepDims(0)));
        graph.Node.Add(Node("ReduceSum", ["mask", "axes_sequence"], "count", KeepDims(1)));
        // An all-padding row has count 0; the sum is 0 too, so dividing by max(count, 1) gives zeros, not NaN.
        graph.Node.Add(Node("Max", ["count", "one"], "divisor"));
        graph.Node.Add(Node("Div", ["summed", "divisor"], "pooled"));
        graph.Node.Add(Node("MatMul", ["pooled", WeightName], "projected"));
        graph.Node.Add(Node("Add", ["projected", BiasName], Logits));

        const string doc = "Bag-of-embeddings classifier trained on fictional French microbiology reports. Not for clinical use.";
        return Model(graph, producerVersion, doc, labels);
    }

    /// <summary>Protobuf bytes; deterministic, since the graph holds no map field and no timestamp.</summary>
    public static byte[] Serialize(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.ToByteArray();
    }

    /// <summary>The weights of a graph written by <see cref="Build"/>.</summary>
    /// <exception cref="InvalidDataException">The graph lacks an initializer this writer emits.</exception>
    public static EmbeddingBagClassifier ReadWeights(byte[] onnxBytes)
    {
        var model = ModelProto.Parser.ParseFrom(onnxBytes);
        TensorProto Initializer(string name) =>
            model.Graph.Initializer.FirstOrDefault(t => t.Name == name)
            ?? throw new InvalidDataException($"The ONNX graph has no initializer '{name}'.");

        var embedding = Initializer(EmbeddingName);
        var weight = Initializer(WeightName);
        var classifier = new EmbeddingBagClassifier((int)embedding.Dims[0], (int)embedding.Dims[1], (int)weight.Dims[1]);
        ReadFloats(embedding, classifier.Embedding);
        ReadFloats(weight, classifier.Weight);
        ReadFloats(Initializer(BiasName), classifier.Bias);
        return classifier;
    }

    private static void ReadFloats(TensorProto tensor, float[] destination)
    {
        var raw = tensor.RawData.Span;
        if (raw.Length != destination.Length * sizeof(float))
        {
            throw new InvalidDataException($"Initializer '{tensor.Name}' holds {raw.Length} bytes, expected {destination.Length * sizeof(float)}.");
        }

        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = BinaryPrimitives.ReadSingleLittleEndian(raw[(i * sizeof(float))..]);
        }
    }
}
