using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Onnx;
using Partages.Evaluation.Bundles;
using Partages.Evaluation.Metrics;
using Partages.Evaluation.Specs;
using Partages.ModelKit.Bundles;
using Partages.ModelKit.SentencePiece;
using Partages.NodeAgent.Engine.Datasets;
using Partages.NodeAgent.Engine.Tests.Infrastructure;

namespace Partages.NodeAgent.Engine.Tests.Tokenization;

/// <summary>
/// Entity recognition through a SentencePiece bundle with CamemBERT's id conventions: a real ONNX token classifier
/// whose logits are a table row per model id (so each piece's tag is known by hand), over a Unigram model written
/// here. Words start at <c>▁</c> pieces; a status such as "3+" keeps its "+" (WordPiece's deprecated kind drops it).
/// </summary>
public sealed class SentencePieceNerTests
{
    private static readonly string[] Tags = ["O", "B-BIOMARKER", "I-BIOMARKER", "B-STATUS", "I-STATUS"];

    /// <summary>SentencePiece ids 0–3 special; 4 ▁le, 5 ▁her, 6 2, 7 ▁score, 8 ▁3, 9 +; characters after.</summary>
    private static readonly SentencePieceModelFile Model = new(SentencePieceModelType.Unigram,
    [
        new("<unk>", 0, PieceType.Unknown), new("<s>", 0, PieceType.Control), new("</s>", 0, PieceType.Control), new("<pad>", 0, PieceType.Control),
        new("▁le", -1, PieceType.Normal), new("▁her", -1, PieceType.Normal), new("2", -1, PieceType.Normal), new("▁score", -1, PieceType.Normal),
        new("▁3", -1, PieceType.Normal), new("+", -1, PieceType.Normal),
        .. "▁abcdehilmnoprst".Select(c => new SentencePieceEntry(c.ToString(), -20, PieceType.Normal)),
    ]);

    private const int IdOffset = 4;

    private static readonly EvaluationSpec Spec = new()
    {
        Name = "oncology-ner",
        Task = TaskTypes.TokenClassification,
        Dataset = "oncology",
        Labels = ["BIOMARKER", "STATUS"],
    };

    [Test]
    public async Task EvaluateAsync_EntitiesOverManyWindows_DecodedFromWordStartPiecesWithTheirSymbols()
    {
        using var directory = new TestDirectory();
        // Per line: ▁le ▁her 2 ▁score ▁3 + = 6 pieces; windows of 6 moving by 4 cut entities at every other boundary.
        var text = new StringBuilder();
        var gold = new List<(int Start, int End, string Label)>();
        for (var i = 0; i < 12; i++)
        {
            text.Append("le ");
            gold.Add((text.Length, text.Length + 4, "BIOMARKER"));
            text.Append("her2 ");
            gold.Add((text.Length, text.Length + 8, "STATUS"));
            text.Append("score 3+\n");
        }

        var result = await EvaluateAsync(directory, [("long", text.ToString(), gold)]);

        result.NDocuments.Should().Be(1);
        var strict = result.Schemes![NerSchemes.Strict].Overall;
        strict.Should().Match<NerSchemeMetrics>(m => m.Correct == 24 && m.Incorrect == 0 && m.Partial == 0 && m.Missed == 0 && m.Spurious == 0);
        result.Seqeval!.Micro.F1.Should().Be(1);
    }

    [Test]
    public async Task EvaluateAsync_RepeatedSpacesAndUnknownAccentedCharacters_SpansStayOnTheirCharacters()
    {
        using var directory = new TestDirectory();
        // Repeated spaces collapse into one ▁ in the model's text; "élevé" is cut into characters, é and v unknown (id 3).
        const string text = "le   her2  score 3+ élevé";
        (int, int, string)[] gold = [(5, 9, "BIOMARKER"), (11, 19, "STATUS")];

        var result = await EvaluateAsync(directory, [("d", text, gold)]);

        result.Schemes![NerSchemes.Strict].Overall.Correct.Should().Be(2);
        result.Schemes[NerSchemes.Strict].Overall.Spurious.Should().Be(0);
    }

    private static async Task<Partages.Evaluation.Results.ResultDocument> EvaluateAsync(
        TestDirectory directory,
        IReadOnlyList<(string Id, string Text, IReadOnlyList<(int Start, int End, string Label)> Entities)> documents)
    {
        var bundlePath = directory.File("model.zip");
        await File.WriteAllBytesAsync(bundlePath, Bundle());
        var datasetPath = directory.File("data.jsonl");
        await File.WriteAllLinesAsync(datasetPath, documents.Select(d => JsonSerializer.Serialize(new
        {
            id = d.Id,
            text = d.Text,
            entities = d.Entities.Select(e => new { start = e.Start, end = e.End, label = e.Label }),
        })));
        var job = new EvaluationJob(bundlePath, Spec, new DatasetDefinition("oncology", datasetPath, DatasetFormats.Jsonl));
        return await new EvaluationEngine().EvaluateAsync(job, null, CancellationToken.None);
    }

    /// <summary>A table graph over model ids (SentencePiece id + 4): <c>logits = Gather(table, input_ids) × mask</c>.</summary>
    private static byte[] Bundle()
    {
        var tagOf = new Dictionary<string, int> { ["▁her"] = 1, ["2"] = 2, ["▁score"] = 3, ["▁3"] = 4, ["+"] = 4 };
        var rows = Model.Pieces.Count + IdOffset;
        var table = new float[rows * Tags.Length];
        for (var id = 0; id < rows; id++)
        {
            var piece = id >= IdOffset ? Model.Pieces[id - IdOffset].Piece : "";
            table[(id * Tags.Length) + tagOf.GetValueOrDefault(piece)] = 5f;
        }

        var graph = new GraphProto { Name = "token_table" };
        graph.Input.Add(Value("input_ids", TensorProto.Types.DataType.Int64, 2));
        graph.Input.Add(Value("attention_mask", TensorProto.Types.DataType.Int64, 2));
        graph.Output.Add(Value("logits", TensorProto.Types.DataType.Float, 3));
        var tensor = new TensorProto { Name = "table", DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange([rows, Tags.Length]);
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

        var manifest = new ModelManifest
        {
            Name = "sentencepiece-token-table",
            Task = TaskTypes.TokenClassification,
            Labels = Tags,
            MaxLength = 8,
            Stride = 2,
            Tokenizer = new TokenizerSpec
            {
                Kind = TokenizerSpec.SentencePiece,
                Vocab = "sentencepiece.bpe.model",
                Lowercase = false,
                StripAccents = false,
                IdOffset = IdOffset,
                PadTokenId = 1,
                UnkTokenId = 3,
            },
        };
        return ModelBundle.Pack(manifest, model.ToByteArray(), Model.ToBytes());
    }

    private static ValueInfoProto Value(string name, TensorProto.Types.DataType type, int rank)
    {
        var shape = new TensorShapeProto();
        string[] names = ["batch", "sequence", "tags"];
        for (var d = 0; d < rank; d++)
        {
            shape.Dim.Add(d == 2 ? new TensorShapeProto.Types.Dimension { DimValue = Tags.Length } : new TensorShapeProto.Types.Dimension { DimParam = names[d] });
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
