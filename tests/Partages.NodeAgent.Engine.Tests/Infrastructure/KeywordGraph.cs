using Google.Protobuf;
using Onnx;
using static Partages.ModelKit.Onnx.OnnxProtos;

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
        graph.Initializer.Add(FloatTensor("table", table, VocabularySize, Classes));
        graph.Initializer.Add(FloatTensor("poison_table", poison, VocabularySize, 1));
        graph.Initializer.Add(FloatTensor("bias", bias, Classes));
        graph.Initializer.Add(Int64Tensor("axis2", [2], 1));

        graph.Input.Add(Int64Input(InputIds));
        graph.Input.Add(Int64Input(AttentionMask));
        if (ExtraInput is not null)
        {
            graph.Input.Add(Int64Input(ExtraInput));
        }

        graph.Node.Add(Node("Gather", ["table", InputIds], "embedded", Int("axis", 0)));
        graph.Node.Add(Node("Cast", [AttentionMask], "mask_float", Int("to", (long)TensorProto.Types.DataType.Float)));
        graph.Node.Add(Node("Unsqueeze", ["mask_float", "axis2"], "mask3"));
        graph.Node.Add(Node("Mul", ["embedded", "mask3"], "masked"));
        graph.Node.Add(Node("ReduceMax", ["masked"], "pooled", Ints("axes", 1), KeepDims(0)));
        graph.Node.Add(Node("Add", ["pooled", "bias"], "scored"));
        graph.Node.Add(Node("Gather", ["poison_table", InputIds], "poison_embedded", Int("axis", 0)));
        graph.Node.Add(Node("Mul", ["poison_embedded", "mask3"], "poison_masked"));
        graph.Node.Add(Node("ReduceMax", ["poison_masked"], "poison_pooled", Ints("axes", 1), KeepDims(0)));
        graph.Node.Add(Node("Neg", ["poison_pooled"], "poison_negated"));
        graph.Node.Add(Node("Sqrt", ["poison_negated"], "poison_nan"));
        graph.Node.Add(Node("Add", ["scored", "poison_nan"], Logits));

        graph.Output.Add(TensorValue(Logits, TensorProto.Types.DataType.Float, Dimension(StaticBatch, "batch"), Dimension(DeclaredClasses ?? Classes, "classes")));

        var model = new ModelProto { IrVersion = 7, ProducerName = "Partages.NodeAgent.Engine.Tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        return model.ToByteArray();
    }

    private ValueInfoProto Int64Input(string name) =>
        TensorValue(name, TensorProto.Types.DataType.Int64, Dimension(StaticBatch, "batch"), Dimension(StaticSequence, "sequence"));

    private static TensorShapeProto.Types.Dimension Dimension(long? value, string symbol) =>
        value is { } fixedValue ? Dim(fixedValue) : Dim(symbol);
}
