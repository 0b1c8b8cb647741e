using Partages.Evaluation.Tokenization;
using Partages.NodeAgent.Engine.Tokenization;

namespace Partages.NodeAgent.Engine.Tests.Tokenization;

/// <summary>
/// The <c>wordpiece</c> kind against Hugging Face's <c>BertTokenizer</c> (do_lower_case, tokenize_chinese_chars), with
/// every expected id worked out by hand from <see cref="Vocabulary"/> (an id is its line number).
/// </summary>
public sealed class HuggingFaceWordPieceTests
{
    private static readonly string[] Vocabulary =
    [
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
        //  5        6    7    8    9    10    11    12    13     14     15   16   17          18     19   20   21   22         23
        "score", "3", "+", "<", "=", "10", "ca", "wt", "ccl", "her", "2", "-", "sensible", "##s", ":", "(", ")", "positif", "souche",
    ];

    private static readonly ModelManifest Manifest = new()
    {
        Name = "hf-wordpiece",
        Task = TaskTypes.SingleLabelClassification,
        Labels = ["a", "b"],
        MaxLength = 64,
        Tokenizer = new TokenizerSpec { Kind = TokenizerSpec.WordPiece },
    };

    [Test]
    public void Encode_SymbolsAndLineBreaks_GivesTheIdsOfHuggingFacesBertTokenizer()
    {
        // BasicTokenizer: \n, \t, \r are whitespace; lower case; "her-2", "3+", "(positif)", "<=" split at every
        // punctuation character (ASCII symbols included): her - 2 : score 3 + ( positif ) ca < = 10 wt ccl : sensibles.
        // WordPiece: each of those is a vocabulary word, except sensibles = sensible ##s.
        const string report = "HER-2 : score 3+ (positif)\nCA <= 10\twt\r\nccl : sensibles";

        var ids = Encoder().Encode(report);

        ids.Should().Equal(2, 14, 16, 15, 19, 5, 6, 7, 20, 22, 21, 11, 8, 9, 10, 12, 13, 19, 17, 18, 3);
    }

    [Test]
    public void Encode_DeprecatedBertWordPieceKind_StillCutsAsMicrosoftTokenizersDoes()
    {
        // The demo bundles were trained on Microsoft.ML.Tokenizers 2.0.1's cutting, so their kind keeps it: "+", "<"
        // and "=" vanish, and "10\twt\r\nccl" is glued into one word the vocabulary does not know.
        const string report = "score 3+\nCA <= 10\twt\r\nccl";

        var legacy = Encoder(TokenizerSpec.BertWordPiece).Encode(report);

        legacy.Should().NotContain([7, 8, 9, 12, 13]);
        Encoder().Encode(report).Should().Equal(2, 5, 6, 7, 11, 8, 9, 10, 12, 13, 3);
    }

    [Test]
    public void Pieces_SymbolsAndLineBreaks_SameIdsAsTheClassifierWithOffsetsIntoTheReport()
    {
        const string report = "Score 3+\nCA sensibles";
        var encoder = Encoder();

        var pieces = encoder.Pieces(report);

        pieces.Should().Equal(
            new NerPiece(5, 0, 5, true),
            new NerPiece(6, 6, 7, true),
            new NerPiece(7, 7, 8, true),
            new NerPiece(11, 9, 11, true),
            new NerPiece(17, 12, 20, true),
            new NerPiece(18, 20, 21, false));
        pieces.Select(p => p.Id).Should().Equal(encoder.Encode(report)[1..^1], "the classifier and entity recognition read the same pieces");
        NerText.Words(pieces).Select(w => report[w.Start..w.End]).Should().Equal("Score", "3", "+", "CA", "sensibles");
    }

    [Test]
    public void Pieces_FormatCharacterInsideAWord_IsRemovedAndTheWordKeepsItsWholeSpan()
    {
        // U+200B (category Cf) is removed by Hugging Face's _clean_text without splitting the word.
        const string report = "sou\u200Bche";

        var pieces = Encoder().Pieces(report);

        pieces.Should().Equal(new NerPiece(23, 0, 7, true));
    }

    [Test]
    public void Encode_AccentsAndCase_FoldedAndLowercased()
    {
        Encoder().Encode("SOUCHÉ Sensibles").Should().Equal(2, 23, 17, 18, 3);
    }

    [Test]
    public void Encode_NoBreakSpaceAndCjkIdeograph_SplitWords()
    {
        // U+00A0 is category Zs (whitespace); 中 is a CJK ideograph, a word of its own, unknown here.
        Encoder().Encode("souche\u00A0souche中souche").Should().Equal(2, 23, 23, 1, 23, 3);
    }

    [Test]
    public void Encode_SpecialTokenInTheText_IsThatToken()
    {
        // Hugging Face splits special tokens off before anything else and keeps their case.
        Encoder().Encode("souche [SEP] souche").Should().Equal(2, 23, 3, 23, 3);
    }

    [Test]
    public void Encode_WordLongerThanOneHundredCharacters_IsOneUnknownToken()
    {
        Encoder().Encode("souche " + new string('s', 101) + " souche").Should().Equal(2, 23, 1, 23, 3);
    }

    [Test]
    public void Create_VocabularyWithoutClsToken_RefusesNamingTheFile()
    {
        var act = () => TextEncoder.Create(Encoding.UTF8.GetBytes("[PAD]\n[UNK]\n[SEP]\nla\n"), Manifest);

        act.Should().Throw<EvaluationRefusedException>().WithMessage("vocab.txt is not a BERT WordPiece vocabulary: it lacks [CLS]");
    }

    private static TextEncoder Encoder(string kind = TokenizerSpec.WordPiece) =>
        TextEncoder.Create(Encoding.UTF8.GetBytes(string.Join('\n', Vocabulary) + "\n"), Manifest with { Tokenizer = new TokenizerSpec { Kind = kind } });
}
