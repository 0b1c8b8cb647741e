using System.Buffers.Binary;
using Google.Protobuf;
using Onnx;

namespace Partages.ModelKit.Onnx;

/// <summary>
/// The small ONNX protobuf builders the graph writers (classifier, NER tagger, the engine benchmark's head) use, and the
/// hand-checkable test graphs of the engine and node agent tests.
/// </summary>
internal static class OnnxProtos
{
    /// <summary>The opset of every graph the model kit writes (default domain, no custom operator).</summary>
    public const int OpsetVersion = 17;

    /// <summary>IR version 8 goes with opset 17 (ONNX 1.12); every ONNX Runtime since 1.12 loads it.</summary>
    public const long IrVersion = 8;

    public static TensorShapeProto.Types.Dimension Dim(string name) => new() { DimParam = name };

    public static TensorShapeProto.Types.Dimension Dim(long value) => new() { DimValue = value };

    public static ValueInfoProto TensorValue(string name, TensorProto.Types.DataType type, params TensorShapeProto.Types.Dimension[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.AddRange(dims);
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }

    /// <summary>Little-endian raw_data, as the ONNX spec requires whatever the writing machine.</summary>
    public static TensorProto FloatTensor(string name, float[] values, params long[] dims)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        }

        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(bytes) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }

    public static TensorProto Int64Tensor(string name, long[] values, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.AddRange(dims);
        tensor.Int64Data.AddRange(values);
        return tensor;
    }

    /// <summary>A node named after its output, so that ONNX Runtime's errors point at the tensor it failed on.</summary>
    public static NodeProto Node(string opType, string[] inputs, string output, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = output + "_" + opType };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        return node;
    }

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    /// <summary>An ints attribute: opset 13's ReduceMax takes its axes so (the tests' opset-13 graphs).</summary>
    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    public static AttributeProto Tensor(string name, TensorProto value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Tensor, T = value };

    /// <summary>A subgraph attribute, such as a Loop's body.</summary>
    public static AttributeProto Graph(string name, GraphProto value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Graph, G = value };

    /// <summary>A scalar bool; ONNX stores bool tensors in int32_data.</summary>
    public static TensorProto BoolTensor(string name, bool value)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Bool };
        tensor.Int32Data.Add(value ? 1 : 0);
        return tensor;
    }

    /// <summary>The <c>keepdims</c> attribute of the Reduce operators.</summary>
    public static AttributeProto KeepDims(long value) => Int("keepdims", value);

    /// <summary>The two int64 [batch, sequence] token inputs every graph of the demo takes.</summary>
    public static void AddTokenInputs(GraphProto graph, string inputIds, string attentionMask, string batch, string sequence)
    {
        graph.Input.Add(TensorValue(inputIds, TensorProto.Types.DataType.Int64, Dim(batch), Dim(sequence)));
        graph.Input.Add(TensorValue(attentionMask, TensorProto.Types.DataType.Int64, Dim(batch), Dim(sequence)));
    }

    /// <summary>
    /// The first stage of the demo's graphs: the embedding rows of the ids times the attention mask, so that padding
    /// contributes nothing. Writes "mask" (float [batch, sequence]) and "masked" ([batch, sequence, D]); reads the
    /// initializer "axes_last", which each writer adds in its own place (the order is part of the bundle's bytes).
    /// </summary>
    public static void AddMaskedEmbeddingNodes(GraphProto graph, string inputIds, string attentionMask, string embeddingName)
    {
        graph.Node.Add(Node("Gather", [embeddingName, inputIds], "embedded", Int("axis", 0)));
        graph.Node.Add(Node("Cast", [attentionMask], "mask", Int("to", (long)TensorProto.Types.DataType.Float)));
        graph.Node.Add(Node("Unsqueeze", ["mask", "axes_last"], "mask_expanded"));
        graph.Node.Add(Node("Mul", ["embedded", "mask_expanded"], "masked"));
    }

    /// <summary>A model kit graph wrapped as a model: the labels travel in the metadata, nothing varies with the clock.</summary>
    public static ModelProto Model(GraphProto graph, string producerVersion, string docString, IEnumerable<string> labels)
    {
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "Partages.ModelKit",
            ProducerVersion = producerVersion,
            Domain = "fr.partages",
            ModelVersion = 1,
            DocString = docString,
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = OpsetVersion });
        model.MetadataProps.Add(new StringStringEntryProto { Key = "labels", Value = string.Join(",", labels) });
        return model;
    }
}
