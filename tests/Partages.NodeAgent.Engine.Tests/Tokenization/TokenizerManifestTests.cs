using System.IO.Compression;
using Partages.NodeAgent.Engine.Bundles;

namespace Partages.NodeAgent.Engine.Tests.Tokenization;

/// <summary>The manifest's tokenizer fields, checked when the manifest is parsed and when the bundle is read, before any document.</summary>
public sealed class TokenizerManifestTests
{
    [Test]
    public void FromJson_UnknownKind_ListsTheKindsUnderstood()
    {
        var act = () => ModelManifest.FromJson(Json("""{"kind":"gpt2_bpe","vocab":"merges.txt"}"""));

        act.Should().Throw<InvalidDataException>().WithMessage("*tokenizer.kind: 'gpt2_bpe' is not one of wordpiece, sentencepiece, bert_wordpiece*");
    }

    [Test]
    public void FromJson_SentencePieceFieldsOnWordPiece_NamesEachField()
    {
        var act = () => ModelManifest.FromJson(Json("""{"kind":"wordpiece","id_offset":4,"pad_token_id":1}"""));

        act.Should().Throw<InvalidDataException>()
            .WithMessage("*tokenizer.id_offset: only a 'sentencepiece' tokenizer takes it (this one is 'wordpiece')*tokenizer.pad_token_id: only*");
    }

    [Test]
    public void FromJson_NegativeSpecialId_Refused()
    {
        var act = () => ModelManifest.FromJson(Json("""{"kind":"sentencepiece","vocab":"sentencepiece.bpe.model","unk_token_id":-3}"""));

        act.Should().Throw<InvalidDataException>().WithMessage("*tokenizer.unk_token_id: -3 is negative*");
    }

    [Test]
    public void FromJson_NoKind_IsWordPiece()
    {
        ModelManifest.FromJson(Json("""{"vocab":"vocab.txt"}""")).Tokenizer.Kind.Should().Be(TokenizerSpec.WordPiece);
    }

    [Test]
    public void ToJson_WordPieceManifest_WritesNoSentencePieceField()
    {
        // Existing bundles' manifests (and so their SHA-256) stay as they were.
        var json = AmrTestModel.Manifest.ToJson();

        json.Should().NotContainAny("id_offset", "bos_token_id", "eos_token_id", "pad_token_id", "unk_token_id");
        ModelManifest.FromJson(json).Should().BeEquivalentTo(AmrTestModel.Manifest);
    }

    [Test]
    public void Read_SentencePieceKindWhoseFileIsMissing_RefusedNamingFileAndKind()
    {
        using var directory = new TestDirectory();
        var manifest = SentencePieceManifest();
        var path = WriteZip(directory.File("b.zip"), manifest, ("vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\n"u8.ToArray()));

        var act = () => BundleReader.Read(path, new EvaluationEngineOptions());

        // The stray vocab.txt is named first: only what the manifest names may be in a bundle.
        act.Should().Throw<EvaluationRefusedException>().WithMessage("model bundle holds entries its manifest does not name: vocab.txt*");
        var withoutFile = WriteZip(directory.File("c.zip"), manifest);
        var missing = () => BundleReader.Read(withoutFile, new EvaluationEngineOptions());
        missing.Should().Throw<EvaluationRefusedException>()
            .WithMessage("model bundle has no 'sentencepiece.bpe.model', which its manifest names as tokenizer.vocab (the sentencepiece tokenizer's file)");
    }

    [Test]
    public void Read_SentencePieceKindOverAWordPieceVocabulary_RefusedBeforeAnyDocument()
    {
        using var directory = new TestDirectory();
        var path = WriteZip(directory.File("b.zip"), SentencePieceManifest(), ("sentencepiece.bpe.model", Encoding.UTF8.GetBytes(string.Join('\n', AmrTestModel.Vocabulary))));

        var act = () => BundleReader.Read(path, new EvaluationEngineOptions());

        act.Should().Throw<EvaluationRefusedException>().WithMessage("sentencepiece.bpe.model cannot be loaded as a SentencePiece model: *");
    }

    [Test]
    public void Read_WordPieceKindOverASentencePieceModel_Refused()
    {
        using var directory = new TestDirectory();
        var model = new Partages.ModelKit.SentencePiece.SentencePieceModelFile(Partages.ModelKit.SentencePiece.SentencePieceModelType.Bpe,
            [new("<unk>", 0, Partages.ModelKit.SentencePiece.PieceType.Unknown), new("▁", -1, Partages.ModelKit.SentencePiece.PieceType.Normal)]);
        var path = WriteZip(directory.File("b.zip"), AmrTestModel.Manifest, ("vocab.txt", model.ToBytes()));

        var act = () => BundleReader.Read(path, new EvaluationEngineOptions());

        act.Should().Throw<EvaluationRefusedException>().WithMessage("vocab.txt *");
    }

    [Test]
    public async Task EvaluateAsync_UnreadableTokenizerFile_RefusedWithTheReason()
    {
        using var directory = new TestDirectory();
        var bundle = WriteZip(directory.File("b.zip"), SentencePieceManifest(), ("sentencepiece.bpe.model", [0x0A, 0xFF, 0xFF]));
        var data = directory.File("d.jsonl");
        await System.IO.File.WriteAllTextAsync(data, AmrTestModel.Line("1", "la souche", "sensible") + "\n");
        var job = new EvaluationJob(bundle, AmrTestModel.Spec, new DatasetDefinition(AmrTestModel.Spec.Dataset, data, DatasetFormats.Jsonl));

        var act = () => new EvaluationEngine().EvaluateAsync(job, null, CancellationToken.None);

        await act.Should().ThrowAsync<EvaluationRefusedException>().WithMessage("sentencepiece.bpe.model cannot be loaded as a SentencePiece model: *");
    }

    private static ModelManifest SentencePieceManifest() => AmrTestModel.Manifest with
    {
        Tokenizer = new TokenizerSpec { Kind = TokenizerSpec.SentencePiece, Vocab = "sentencepiece.bpe.model", Lowercase = false, StripAccents = false },
    };

    private static string Json(string tokenizer) =>
        $$"""{"name":"m","task":"single_label_classification","labels":["a","b"],"tokenizer":{{tokenizer}}}""";

    private static string WriteZip(string path, ModelManifest manifest, params (string Name, byte[] Content)[] files)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        Add(zip, ModelManifest.FileName, Encoding.UTF8.GetBytes(manifest.ToJson()));
        Add(zip, manifest.Model, AmrTestModel.Graph.ToOnnx());
        foreach (var (name, content) in files)
        {
            Add(zip, name, content);
        }

        return path;
    }

    private static void Add(ZipArchive zip, string name, byte[] content)
    {
        using var stream = zip.CreateEntry(name).Open();
        stream.Write(content);
    }
}
