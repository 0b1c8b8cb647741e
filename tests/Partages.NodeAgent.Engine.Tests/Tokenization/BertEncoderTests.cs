using Partages.NodeAgent.Engine.Tokenization;

namespace Partages.NodeAgent.Engine.Tests.Tokenization;

public sealed class BertEncoderTests
{
    [Test]
    public void Encode_AccentedUppercaseText_FoldsAndLowercasesToVocabularyIds()
    {
        // Tests run with InvariantGlobalization, as every Partages process does: the case the folding exists for.
        var encoder = Encoder(maxLength: 32);

        var ids = encoder.Encode("Bactéries RÉSISTANTES");

        ids.Should().Equal(Ids("[CLS]", "bacterie", "##s", "resistante", "##s", "[SEP]"));
    }

    [Test]
    public void Encode_TextLongerThanMaxLength_TruncatesAndKeepsSeparatorLast()
    {
        var encoder = Encoder(maxLength: 8);

        var ids = encoder.Encode("la souche est sensible . la souche est sensible .");

        ids.Should().Equal(Ids("[CLS]", "la", "souche", "est", "sensible", ".", "la", "[SEP]"));
    }

    [Test]
    public void Encode_WordCutAtTheLimit_KeepsItsFirstPieces()
    {
        // Six pieces fit; "bacteries" is two (bacterie, ##s), so the cut falls inside it, as Hugging Face cuts.
        var encoder = Encoder(maxLength: 8);

        var ids = encoder.Encode("la la la la la bacteries");

        ids.Should().Equal(Ids("[CLS]", "la", "la", "la", "la", "la", "bacterie", "[SEP]"));
    }

    [Test]
    public void Encode_UnknownWord_MapsToUnknownToken()
    {
        var encoder = Encoder(maxLength: 32);

        encoder.Encode("souche xyzzy").Should().Equal(Ids("[CLS]", "souche", "[UNK]", "[SEP]"));
    }

    [Test]
    public void Encode_ArbitraryUnicode_StaysWithinMaxLengthWithoutThrowing()
    {
        // Reports are whatever a hospital's export produced: controls, emoji, CJK, combining marks, very long words.
        var encoder = Encoder(maxLength: 16);
        var random = new Random(20260101);
        for (var i = 0; i < 2000; i++)
        {
            var text = string.Concat(Enumerable.Range(0, random.Next(1, 400)).Select(_ => RandomPiece(random)));
            if (i % 7 == 0)
            {
                text = text.Replace(' ', 'x') + new string('é', 300);
            }

            var ids = encoder.Encode(text);

            ids.Length.Should().BeInRange(2, 16);
            ids[0].Should().Be(TokenId("[CLS]"));
            ids[^1].Should().Be(TokenId("[SEP]"));
        }
    }

    [Test]
    public void EncodeWindows_DocumentLongerThanTenWindows_StepsByMaxPiecesMinusStrideLikeHuggingFace()
    {
        // max_length 8: 6 pieces per window; stride 2: each window starts 4 pieces after the previous one.
        var encoder = Encoder(maxLength: 8, stride: 2);
        // Whole-word tokens only (la … bacterie), so one word is one piece.
        string[] words = [.. Enumerable.Range(0, 50).Select(i => Vocabulary[5 + (i % 8)])];

        var windows = encoder.EncodeWindows(string.Join(' ', words));

        // Starts 0, 4, …, 44: the window at 44 is the first to reach piece 49, the last one, so it is the last window.
        windows.Should().HaveCount(12);
        for (var k = 0; k < windows.Length; k++)
        {
            var start = 4 * k;
            windows[k].Should().Equal(Ids(["[CLS]", .. words[start..Math.Min(start + 6, 50)], "[SEP]"]), $"window {k} starts at piece {start}");
        }
    }

    [Test]
    public void EncodeWindows_DocumentOfExactlyOneWindow_IsOneWindowLikeEncode()
    {
        var encoder = Encoder(maxLength: 8, stride: 2);
        const string text = "la souche est sensible . blse";

        var windows = encoder.EncodeWindows(text);

        windows.Should().ContainSingle().Which.Should().Equal(Encoder(maxLength: 8).Encode(text));
    }

    [Test]
    public void EncodeWindows_OnePieceMoreThanOneWindow_AddsAWindowEndingOnTheLastPiece()
    {
        var encoder = Encoder(maxLength: 8, stride: 2);

        var windows = encoder.EncodeWindows("la souche est sensible . blse epc");

        windows.Should().HaveCount(2);
        windows[1].Should().Equal(Ids("[CLS]", ".", "blse", "epc", "[SEP]"));
    }

    [Test]
    public void EncodeWindows_StrideZero_IsTheTruncatedEncoding()
    {
        var encoder = Encoder(maxLength: 8);
        const string text = "la souche est sensible . la souche est sensible .";

        encoder.EncodeWindows(text).Should().ContainSingle().Which.Should().Equal(encoder.Encode(text));
    }

    [Test]
    public void EncodeWindows_EmptyText_IsOneWindowOfSpecialTokens()
    {
        Encoder(maxLength: 8, stride: 3).EncodeWindows("").Should().ContainSingle().Which.Should().Equal(Ids("[CLS]", "[SEP]"));
    }

    [Test]
    public void Create_VocabularyWithoutSpecialTokens_Refuses()
    {
        var act = () => BertEncoder.Create(Encoding.UTF8.GetBytes("la\nsouche\n"), Manifest);

        act.Should().Throw<EvaluationRefusedException>().WithMessage("vocab.txt cannot be loaded as a WordPiece vocabulary*");
    }

    /// <summary>Mostly text-like characters; astral ones as whole surrogate pairs, since JSON decoding never yields a lone surrogate.</summary>
    private static string RandomPiece(Random random) => random.Next(10) switch
    {
        0 => ((char)random.Next(0, 0x20)).ToString(),
        1 => ((char)random.Next(0x300, 0x370)).ToString(),
        2 => ((char)random.Next(0x4E00, 0x9FFF)).ToString(),
        3 => ((char)random.Next(0x2000, 0x2BFF)).ToString(),
        4 => " ",
        5 => char.ConvertFromUtf32(random.Next(0x1F300, 0x1FAFF)),
        _ => ((char)random.Next(0x20, 0x17F)).ToString(),
    };

    private static BertEncoder Encoder(int maxLength, int stride = 0) =>
        BertEncoder.Create(Encoding.UTF8.GetBytes(string.Join('\n', Vocabulary)), Manifest with { MaxLength = maxLength, Stride = stride });

    private static int[] Ids(params string[] tokens) => [.. tokens.Select(TokenId)];
}
