using System.Buffers.Binary;
using Google.Protobuf;
using Onnx;

namespace Partages.ModelKit.Onnx;

/// <summary>The small ONNX protobuf builders the graph writers (classifier, NER tagger, the engine benchmark's head) use.</summary>
internal static class OnnxProtos
{
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

    /// <summary>The <c>keepdims</c> attribute of the Reduce operators.</summary>
    public static AttributeProto KeepDims(long value) => Int("keepdims", value);
}
