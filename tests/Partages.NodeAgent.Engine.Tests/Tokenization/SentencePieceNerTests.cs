using Google.Protobuf;
using Partages.ModelKit.Bundles;
using Partages.ModelKit.SentencePiece;
using Partages.NodeAgent.Engine.Tests.Ner;

namespace Partages.NodeAgent.Engine.Tests.Tokenization;

/// <summary>
/// Entity recognition through a SentencePiece bundle with CamemBERT's id conventions: a real ONNX token classifier
/// whose logits are a table row per model id (so each piece's tag is known by hand), over a Unigram model written
/// here. Words start at <c>▁</c> pieces; a status such as "3+" keeps its "+" (WordPiece's deprecated kind drops it).
/// </summary>
public sealed class SentencePieceNerTests
{
    private static readonly IReadOnlyList<string> Tags = TokenTableGraph.Tags;

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
        var job = await NerJobFiles.WriteAsync(directory, Bundle(), Spec, documents);
        return await new EvaluationEngine().EvaluateAsync(job, null, CancellationToken.None);
    }

    /// <summary>A table graph over model ids (SentencePiece id + 4): <c>logits = Gather(table, input_ids) × mask</c>.</summary>
    private static byte[] Bundle()
    {
        var tagOf = new Dictionary<string, int> { ["▁her"] = 1, ["2"] = 2, ["▁score"] = 3, ["▁3"] = 4, ["+"] = 4 };
        var rows = Model.Pieces.Count + IdOffset;
        var table = new float[rows * Tags.Count];
        for (var id = 0; id < rows; id++)
        {
            var piece = id >= IdOffset ? Model.Pieces[id - IdOffset].Piece : "";
            table[(id * Tags.Count) + tagOf.GetValueOrDefault(piece)] = 5f;
        }

        var model = TokenTableGraph.TableModel(table, rows);

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
}
