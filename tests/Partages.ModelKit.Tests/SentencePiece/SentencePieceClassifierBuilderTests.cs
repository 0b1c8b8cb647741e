using Partages.Evaluation.Bundles;
using Partages.ModelKit.SentencePiece;

namespace Partages.ModelKit.Tests.SentencePiece;

public sealed class SentencePieceClassifierBuilderTests
{
    private static readonly SentencePieceClassifierOptions Small = new()
    {
        Demo = new DemoAssetOptions { TrainingDocuments = 300, HospitalScale = 0.2, Epochs = 4 },
        Vocabulary = new BpeLearnerOptions { VocabularySize = 800 },
    };

    [Test]
    public void Build_SmallCorpus_PacksACamembertStyleBundleDeterministically()
    {
        var (bundle, report) = SentencePieceClassifierBuilder.Build(Small);

        using var zip = new ZipArchive(new MemoryStream(bundle), ZipArchiveMode.Read);
        zip.Entries.Select(e => e.FullName).Should().Equal("manifest.json", "model.onnx", "sentencepiece.bpe.model");
        using var reader = new StreamReader(zip.GetEntry("manifest.json")!.Open());
        var manifest = ModelManifest.FromJson(reader.ReadToEnd());
        manifest.Tokenizer.Should().Be(new TokenizerSpec
        {
            Kind = TokenizerSpec.SentencePiece,
            Vocab = "sentencepiece.bpe.model",
            Lowercase = false,
            StripAccents = false,
            IdOffset = 4,
            PadTokenId = 1,
            UnkTokenId = 3,
        });
        manifest.Inputs.TokenTypeIds.Should().BeNull();
        report.Pieces.Should().Be(800);
        report.MaxLogitDifference.Should().BeLessThan(1e-3);
        report.OnnxHeldOutAccuracy.Should().Be(report.HeldOutAccuracy);
        // Four classes, 300 training reports, 4 epochs: far from the full build's 95 %, but far above chance.
        report.HeldOutAccuracy.Should().BeGreaterThan(0.5);
        SentencePieceClassifierBuilder.Build(Small).Bundle.Should().Equal(bundle, "same options, same bytes");
    }
}
