using Google.Protobuf;
using Onnx;
using Partages.ModelKit.Bundles;
using Partages.ModelKit.Training;

namespace Partages.NodeAgent.Engine.Tests.Ner;

/// <summary>
/// A real token-classification ONNX graph whose tags are known by hand: each piece's logits are a row of a table
/// indexed by its id (<c>logits = Gather(table, input_ids) × mask</c>, shape [batch, sequence, tags]). The vocabulary
/// is the special tokens then <see cref="Words"/>; <see cref="TagOf"/> gives each word's tag (index into
/// <see cref="Tags"/>), every other id scores O.
/// </summary>
internal sealed record TokenTableGraph
{
    /// <summary>The entity recognition spec the hand-made token tables are scored against.</summary>
    public static EvaluationSpec OncologySpec { get; } = new()
    {
        Name = "oncology-ner",
        Task = TaskTypes.TokenClassification,
        Dataset = "oncology",
        Labels = ["BIOMARKER", "STATUS"],
    };

    public static IReadOnlyList<string> Tags { get; } = ["O", "B-BIOMARKER", "I-BIOMARKER", "B-STATUS", "I-STATUS"];

    public required IReadOnlyList<string> Words { get; init; }

    public required IReadOnlyDictionary<string, int> TagOf { get; init; }

    public int MaxLength { get; init; } = 16;

    public int Stride { get; init; }

    public int IdOf(string word) => VocabularyBuilder.SpecialTokens.Count + Words.ToList().IndexOf(word);

    public byte[] ToBundle()
    {
        var vocabulary = VocabularyBuilder.SpecialTokens.Concat(Words).ToList();
        var table = new float[vocabulary.Count * Tags.Count];
        for (var id = 0; id < vocabulary.Count; id++)
        {
            var tag = id >= VocabularyBuilder.SpecialTokens.Count && TagOf.TryGetValue(vocabulary[id], out var t) ? t : 0;
            table[(id * Tags.Count) + tag] = 5f;
        }

        var model = TableModel(table, vocabulary.Count);

        var manifest = new ModelManifest
        {
            Name = "token-table",
            Task = TaskTypes.TokenClassification,
            Labels = Tags,
            MaxLength = MaxLength,
            Stride = Stride,
            Tokenizer = new TokenizerSpec(),
        };
        return ModelBundle.Pack(manifest, model.ToByteArray(), VocabularyBuilder.ToVocabFileBytes(vocabulary));
    }

    /// <summary>
    /// <c>logits = Gather(table, input_ids) × mask</c>: <paramref name="table"/> holds <paramref name="rows"/> rows of
    /// <see cref="Tags"/> logits, one per model id. Shared with the SentencePiece NER tests, which index it by their own ids.
    /// </summary>
    public static ModelProto TableModel(float[] table, int rows)
    {
        var graph = new GraphProto { Name = "token_table" };
        graph.Input.Add(Value("input_ids", TensorProto.Types.DataType.Int64, 2));
        graph.Input.Add(Value("attention_mask", TensorProto.Types.DataType.Int64, 2));
        graph.Output.Add(Value("logits", TensorProto.Types.DataType.Float, 3));
        var tensor = new TensorProto { Name = "table", DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange([rows, Tags.Count]);
        tensor.FloatData.AddRange(table);
        graph.Initializer.Add(tensor);
        var axes = new TensorProto { Name = "axes", DataType = (int)TensorProto.Types.DataType.Int64 };
        axes.Dims.Add(1);
        axes.Int64Data.Add(-1);
        graph.Initializer.Add(axes);
        graph.Node.Add(Node("Gather", ["table", "input_ids"], "rows"));
        var cast = Node("Cast", ["attention_mask"], "mask");
        cast.Attribute.Add(new AttributeProto { Name = "to", Type = AttributeProto.Types.AttributeType.Int, I = (long)TensorProto.Types.DataType.Float });
        graph.Node.Add(cast);
        graph.Node.Add(Node("Unsqueeze", ["mask", "axes"], "mask3"));
        graph.Node.Add(Node("Mul", ["rows", "mask3"], "logits"));
        var model = new ModelProto { IrVersion = 8, Graph = graph, ProducerName = "tests" };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        return model;
    }

    private static ValueInfoProto Value(string name, TensorProto.Types.DataType type, int rank)
    {
        var shape = new TensorShapeProto();
        string[] names = ["batch", "sequence", "tags"];
        for (var d = 0; d < rank; d++)
        {
            shape.Dim.Add(d == 2 ? new TensorShapeProto.Types.Dimension { DimValue = Tags.Count } : new TensorShapeProto.Types.Dimension { DimParam = names[d] });
        }

        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } } };
    }

    private static NodeProto Node(string op, string[] inputs, string output)
    {
        var node = new NodeProto { OpType = op, Name = output };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        return node;
    }
}
