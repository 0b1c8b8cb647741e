using Partages.ModelKit.Training;

namespace Partages.ModelKit.Tests.Training;

public sealed class BertEncodingTests
{
    private static readonly IReadOnlyList<string> s_vocabulary = VocabularyBuilder.Build(
        AmrReportGenerator.Generate(SyntheticHospitals.Training, 400, seed: 11).Select(r => r.Text), maxWords: 4000, minCount: 2);

    private string _directory = null!;
    private BertEncoding _encoding = null!;

    [OneTimeSetUp]
    public async Task WriteVocabulary()
    {
        _directory = TestAssets.NewDirectory("encoding");
        Directory.CreateDirectory(_directory);
        var path = Path.Combine(_directory, "vocab.txt");
        await File.WriteAllBytesAsync(path, VocabularyBuilder.ToVocabFileBytes(s_vocabulary));
        _encoding = BertEncoding.FromVocabFile(path, maxLength: 16);
    }

    [Test]
    public void Build_SpecialTokens_ComeFirstWithPaddingAtZero()
    {
        s_vocabulary.Take(5).Should().Equal("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]");
        s_vocabulary.Should().OnlyHaveUniqueItems();
        s_vocabulary.Should().Contain(["e", "##e", "cefotaxime", "blse"]);
        s_vocabulary.Should().NotContain("céfotaxime", because: "words are stored with their accents folded");
        _encoding.Tokenizer.PaddingTokenId.Should().Be(0);
    }

    [Test]
    public void EncodeToIds_AccentedAndFoldedSpellings_GiveSameIds()
    {
        // InvariantGlobalization makes the tokenizer's own accent stripping a no-op; BertEncoding folds first.
        _encoding.EncodeToIds("Céfotaxime RÉSISTANTE, Témocilline").Should()
            .Equal(_encoding.EncodeToIds("cefotaxime resistante, temocilline"));
    }

    [Test]
    public void EncodeToIds_UnseenWord_SplitsIntoKnownPiecesWithoutUnknown()
    {
        var ids = _encoding.EncodeToIds("zwxq");

        ids.Should().NotContain(_encoding.Tokenizer.UnknownTokenId);
        ids.Should().HaveCount(2 + 4);
    }

    [Test]
    public void EncodeToIds_LongText_KeepsFirstPiecesBetweenClsAndSep()
    {
        const string text = "amoxicilline R cefotaxime S meropeneme S vancomycine S oxacilline R zwxqzwxq colistine S";
        var all = _encoding.Tokenizer.EncodeToIds(text, addSpecialTokens: false);

        var ids = _encoding.EncodeToIds(text);

        all.Count.Should().BeGreaterThan(14, because: "the text must be longer than max_length for this test");
        ids.Should().HaveCount(16);
        ids[0].Should().Be(_encoding.Tokenizer.ClassificationTokenId);
        ids[^1].Should().Be(_encoding.Tokenizer.SeparatorTokenId);
        ids.Skip(1).Take(14).Should().Equal(all.Take(14), because: "the cut falls between word pieces, as Hugging Face cuts");
    }

    [Test]
    public void Encode_ShortText_PadsWithZeroAndMasksPadding()
    {
        var batch = _encoding.Encode(["SARM", "E. coli BLSE"]);

        batch.BatchSize.Should().Be(2);
        batch.SequenceLength.Should().Be(16);
        batch.Row(0).ToArray().Should().Equal(2, _encoding.EncodeToIds("SARM")[1], 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        batch.MaskRow(0).ToArray().Should().Equal(1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        batch.MaskRow(1).ToArray().Count(m => m == 1).Should().Be(_encoding.EncodeToIds("E. coli BLSE").Count);
    }

    [Test]
    public void EncodeToIds_HospitalReports_NeverProduceUnknown()
    {
        var encoding = BertEncoding.FromVocabFile(Path.Combine(_directory, "vocab.txt"), maxLength: 512);
        var texts = SyntheticHospitals.All.SelectMany(p => AmrReportGenerator.Generate(p, 60, seed: 12).Select(r => r.Text));

        texts.SelectMany(encoding.EncodeToIds).Should().NotContain(encoding.Tokenizer.UnknownTokenId);
    }
}
