using Google.Protobuf;
using Onnx;

namespace Partages.NodeAgent.Engine.Tests.Infrastructure;

/// <summary>
/// A real ONNX graph whose predictions are known by hand: class c scores the largest weight of its keyword tokens
/// present (attention mask applied), class 0 gets a 0.5 bias, so a document with no keyword is class 0 and one
/// with keywords goes to the heaviest. A "poison" token turns the row's logits into NaN.
/// <c>logits = ReduceMax(Gather(table, ids) * mask, axis 1) + bias + Sqrt(-ReduceMax(Gather(poison, ids) * mask))</c>.
/// </summary>
internal sealed record KeywordGraph
{
    public required int VocabularySize { get; init; }

    public required int Classes { get; init; }

    /// <summary>Token id → (class, weight).</summary>
    public IReadOnlyDictionary<int, (int Class, float Weight)> Keywords { get; init; } = new Dictionary<int, (int, float)>();

    public int? PoisonToken { get; init; }

    public string InputIds { get; init; } = "input_ids";

    public string AttentionMask { get; init; } = "attention_mask";

    public string Logits { get; init; } = "logits";

    /// <summary>An additional int64 [batch, sequence] input the graph requires but does not use (e.g. token_type_ids).</summary>
    public string? ExtraInput { get; init; }

    public long? StaticBatch { get; init; }

    public long? StaticSequence { get; init; }

    /// <summary>The logits' declared last dimension; defaults to <see cref="Classes"/>.</summary>
    public long? DeclaredClasses { get; init; }

    public byte[] ToOnnx()
    {
        var table = new float[VocabularySize * Classes];
        foreach (var (token, (cls, weight)) in Keywords)
        {
            table[token * Classes + cls] = weight;
        }

        var poison = new float[VocabularySize];
        if (PoisonToken is { } poisonToken)
        {
            poison[poisonToken] = 1;
        }

        var bias = new float[Classes];
        bias[0] = 0.5f;

        var graph = new GraphProto { Name = "keyword_classifier" };
        graph.Initializer.Add(FloatTensor("table", [VocabularySize, Classes], table));
        graph.Initializer.Add(FloatTensor("poison_table", [VocabularySize, 1], poison));
        graph.Initializer.Add(FloatTensor("bias", [Classes], bias));
        graph.Initializer.Add(Int64Tensor("axis2", [1], [2]));

        graph.Input.Add(Int64Input(InputIds));
        graph.Input.Add(Int64Input(AttentionMask));
        if (ExtraInput is not null)
        {
            graph.Input.Add(Int64Input(ExtraInput));
        }

        graph.Node.Add(Node("Gather", [("table", InputIds)], "embedded", IntAttribute("axis", 0)));
        graph.Node.Add(Node("Cast", [(AttentionMask, null)], "mask_float", IntAttribute("to", (long)TensorProto.Types.DataType.Float)));
        graph.Node.Add(Node("Unsqueeze", [("mask_float", "axis2")], "mask3"));
        graph.Node.Add(Node("Mul", [("embedded", "mask3")], "masked"));
        graph.Node.Add(Node("ReduceMax", [("masked", null)], "pooled", IntsAttribute("axes", 1), IntAttribute("keepdims", 0)));
        graph.Node.Add(Node("Add", [("pooled", "bias")], "scored"));
        graph.Node.Add(Node("Gather", [("poison_table", InputIds)], "poison_embedded", IntAttribute("axis", 0)));
        graph.Node.Add(Node("Mul", [("poison_embedded", "mask3")], "poison_masked"));
        graph.Node.Add(Node("ReduceMax", [("poison_masked", null)], "poison_pooled", IntsAttribute("axes", 1), IntAttribute("keepdims", 0)));
        graph.Node.Add(Node("Neg", [("poison_pooled", null)], "poison_negated"));
        graph.Node.Add(Node("Sqrt", [("poison_negated", null)], "poison_nan"));
        graph.Node.Add(Node("Add", [("scored", "poison_nan")], Logits));

        graph.Output.Add(new ValueInfoProto
        {
            Name = Logits,
            Type = TensorType(TensorProto.Types.DataType.Float, Dimension(StaticBatch, "batch"), Dimension(DeclaredClasses ?? Classes, null)),
        });

        var model = new ModelProto { IrVersion = 7, ProducerName = "Partages.NodeAgent.Engine.Tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        return model.ToByteArray();
    }

    private ValueInfoProto Int64Input(string name) => new()
    {
        Name = name,
        Type = TensorType(TensorProto.Types.DataType.Int64, Dimension(StaticBatch, "batch"), Dimension(StaticSequence, "sequence")),
    };

    private static TypeProto TensorType(TensorProto.Types.DataType elementType, params TensorShapeProto.Types.Dimension[] dimensions)
    {
        var shape = new TensorShapeProto();
        shape.Dim.AddRange(dimensions);
        return new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)elementType, Shape = shape } };
    }

    private static TensorShapeProto.Types.Dimension Dimension(long? value, string? symbol) =>
        value is { } fixedValue ? new() { DimValue = fixedValue } : new() { DimParam = symbol ?? "classes" };

    private static TensorProto FloatTensor(string name, long[] dims, float[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        tensor.FloatData.AddRange(values);
        return tensor;
    }

    private static TensorProto Int64Tensor(string name, long[] dims, long[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.AddRange(dims);
        tensor.Int64Data.AddRange(values);
        return tensor;
    }

    private static NodeProto Node(string op, (string First, string? Second)[] inputs, string output, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = output + "_" + op };
        foreach (var (first, second) in inputs)
        {
            node.Input.Add(first);
            if (second is not null)
            {
                node.Input.Add(second);
            }
        }

        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        return node;
    }

    private static AttributeProto IntAttribute(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static AttributeProto IntsAttribute(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }
}
