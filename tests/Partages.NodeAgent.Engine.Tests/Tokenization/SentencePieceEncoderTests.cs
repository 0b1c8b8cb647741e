using Partages.Evaluation.Tokenization;
using Partages.ModelKit.SentencePiece;
using Partages.NodeAgent.Engine.Tokenization;

namespace Partages.NodeAgent.Engine.Tests.Tokenization;

/// <summary>
/// The <c>sentencepiece</c> kind on small models written here as real SentencePiece files, so every piece is known by
/// hand: a BPE model (merges applied highest score first) and a Unigram one (the segmentation with the best total
/// score), both loaded by Microsoft.ML.Tokenizers 2.0.1.
/// </summary>
public sealed class SentencePieceEncoderTests
{
    private const string File = "sentencepiece.bpe.model";

    /// <summary>
    /// Ids 0–3 <c>&lt;unk&gt; &lt;s&gt; &lt;/s&gt; &lt;pad&gt;</c>; merges 4 ▁l, 5 ▁la, 6 ou, 7 ▁s, 8 ▁sou, 9 ch, 10 ▁souch,
    /// 11 ▁souche; then one piece per character from 12 on, in <see cref="Characters"/> order.
    /// </summary>
    private static readonly SentencePieceModelFile Bpe = new(SentencePieceModelType.Bpe,
    [
        .. Specials(),
        new("▁l", -1, PieceType.Normal), new("▁la", -2, PieceType.Normal), new("ou", -3, PieceType.Normal), new("▁s", -4, PieceType.Normal),
        new("▁sou", -5, PieceType.Normal), new("ch", -6, PieceType.Normal), new("▁souch", -7, PieceType.Normal), new("▁souche", -8, PieceType.Normal),
        .. CharacterPieces(),
    ]);

    /// <summary>Ids 0–3 as <see cref="Bpe"/>; 4 ▁la, 5 ▁souche, 6 ▁sou, 7 che, 8 s; characters from 9 on.</summary>
    private static readonly SentencePieceModelFile Unigram = new(SentencePieceModelType.Unigram,
    [
        .. Specials(),
        new("▁la", -2, PieceType.Normal), new("▁souche", -3, PieceType.Normal), new("▁sou", -4, PieceType.Normal), new("che", -4, PieceType.Normal),
        new("s", -5, PieceType.Normal),
        .. CharacterPieces().Where(p => p.Piece != "s"),
    ]);

    private const string Characters = "▁aceéhlosu'<>";

    private static readonly ModelManifest Manifest = new()
    {
        Name = "sp",
        Task = TaskTypes.SingleLabelClassification,
        Labels = ["a", "b"],
        MaxLength = 64,
        Tokenizer = new TokenizerSpec { Kind = TokenizerSpec.SentencePiece, Vocab = File, Lowercase = false, StripAccents = false },
    };

    [Test]
    public void Encode_BpeModel_AppliesMergesInScoreOrder()
    {
        // ▁ l a ▁ s o u c h e → ▁l → ▁la → ou → ▁s → ▁sou → ch → ▁souch → ▁souche.
        var encoder = Encoder(Bpe);

        encoder.Encode("la souche").Should().Equal(1, 5, 11, 2);
        encoder.Encode("la souches").Should().Equal(1, 5, 11, CharacterId(Bpe, 's'), 2);
    }

    [Test]
    public void Encode_UnigramModel_TakesTheBestScoringSegmentation()
    {
        // "▁souches": ▁souche + s scores -3 - 5 = -8, better than ▁sou + che + s (-13).
        Encoder(Unigram).Encode("la souches").Should().Equal(1, 4, 5, 8, 2);
    }

    [Test]
    public void Encode_CamembertIdConventions_ShiftsIdsAndMapsSpecialOnes()
    {
        // CamemBERT: SentencePiece ids + 4; <s> = 1 + 4, </s> = 2 + 4 follow the offset; pad is 1, unknown 3.
        // "▁X": no piece merges ▁ with the unknown X, so ▁ (12) stays alone, then X is unknown.
        var encoder = Encoder(Bpe, Manifest.Tokenizer with { IdOffset = 4, PadTokenId = 1, UnkTokenId = 3 });

        encoder.Encode("la souche X").Should().Equal(5, 9, 15, 16, 3, 6);
        (encoder.ClassificationTokenId, encoder.SeparatorTokenId, encoder.PaddingTokenId).Should().Be((5, 6, 1));
    }

    [Test]
    public void Encode_ModelsOwnSpecialIds_FramedByBosAndEosPaddedWithPad()
    {
        var encoder = Encoder(Bpe);

        (encoder.ClassificationTokenId, encoder.SeparatorTokenId, encoder.PaddingTokenId).Should().Be((1, 2, 3));
        encoder.Encode("").Should().Equal(1, 2);
    }

    [Test]
    public void Encode_ControlPieceWrittenInTheText_IsReadAsText()
    {
        // A report cannot inject <s> or </s>: no special token is matched inside the text.
        var ids = Encoder(Bpe).Encode("la <s> </s>");

        ids[1..^1].Should().NotContain([1, 2]);
        ids[1..^1].Should().Contain(CharacterId(Bpe, '<'));
    }

    [Test]
    public void Pieces_AccentsApostrophesAndRepeatedSpaces_MapBackToTheReport()
    {
        // Normalized "▁la▁souche▁l'é": leading, repeated and trailing spaces dropped, the line break read as a space.
        const string report = "  la   souche\nl'é ";

        var pieces = Encoder(Bpe).Pieces(report);

        pieces.Should().Equal(
            new NerPiece(5, 2, 4, true),
            new NerPiece(11, 7, 13, true),
            new NerPiece(4, 14, 15, true),
            new NerPiece(CharacterId(Bpe, '\''), 15, 16, false),
            new NerPiece(CharacterId(Bpe, 'é'), 16, 17, false));
        NerText.Words(pieces).Select(w => report[w.Start..w.End]).Should().Equal("la", "souche", "l'é");
    }

    [Test]
    public void Pieces_UnigramSuffixPiece_ContinuesTheWord()
    {
        const string report = "la souches";

        var pieces = Encoder(Unigram).Pieces(report);

        pieces.Should().Equal(new NerPiece(4, 0, 2, true), new NerPiece(5, 3, 9, true), new NerPiece(8, 9, 10, false));
        NerText.Words(pieces).Select(w => report[w.Start..w.End]).Should().Equal("la", "souches");
    }

    [Test]
    public void Pieces_SameIdsAsTheClassifiersEncoding()
    {
        const string report = "la souche\tl'éc  ha\r\nsous";
        var encoder = Encoder(Bpe, Manifest.Tokenizer with { IdOffset = 4, PadTokenId = 1, UnkTokenId = 3 });

        encoder.Pieces(report).Select(p => p.Id).Should().Equal(encoder.Encode(report)[1..^1]);
    }

    [Test]
    public void Encode_LowercaseAndStripAccents_AppliedBeforeTheModel()
    {
        var encoder = Encoder(Bpe, Manifest.Tokenizer with { Lowercase = true, StripAccents = true });

        encoder.Encode("LA SOUCHÉ").Should().Equal(1, 5, 11, 2);
    }

    [Test]
    public void EncodeWindows_DocumentLongerThanTenWindows_StepsByMaxPiecesMinusStrideAsWordPiece()
    {
        // max_length 8: 6 pieces per window; stride 2: a window every 4 pieces; "la" and "souche" are one piece each.
        var encoder = Encoder(Bpe, manifest: Manifest with { MaxLength = 8, Stride = 2 });
        var pieces = Enumerable.Range(0, 50).Select(i => i % 2 == 0 ? 5 : 11).ToArray();

        var windows = encoder.EncodeWindows(string.Join(' ', Enumerable.Range(0, 50).Select(i => i % 2 == 0 ? "la" : "souche")));

        var layout = NerWindows.Layout(50, 6, 2);
        windows.Should().HaveCount(12).And.HaveCount(layout.Length);
        for (var k = 0; k < windows.Length; k++)
        {
            windows[k].Should().Equal([1, .. pieces[layout[k].Start..(layout[k].Start + layout[k].Count)], 2], $"window {k} starts at piece {4 * k}");
        }
    }

    [Test]
    public void Encode_LongDocumentWithoutStride_TruncatedToMaxLength()
    {
        var encoder = Encoder(Bpe, manifest: Manifest with { MaxLength = 8 });

        encoder.Encode(string.Join(' ', Enumerable.Repeat("la souche", 10))).Should().Equal(1, 5, 11, 5, 11, 5, 11, 2);
    }

    [Test]
    public void Create_GarbageFile_RefusesNamingTheFile()
    {
        var act = () => TextEncoder.Create("[PAD]\n[UNK]\n"u8.ToArray(), Manifest);

        act.Should().Throw<EvaluationRefusedException>().WithMessage($"{File} cannot be loaded as a SentencePiece model: *");
    }

    [Test]
    public void Create_EmptyFile_Refuses()
    {
        var act = () => TextEncoder.Create(Array.Empty<byte>(), Manifest);

        act.Should().Throw<EvaluationRefusedException>().WithMessage($"{File} is empty, so not a SentencePiece model");
    }

    [Test]
    public void Create_ModelWithoutPadPieceOrPadId_RefusesNamingTheField()
    {
        var noPad = Bpe with { Pieces = [.. Bpe.Pieces.Where(p => p.Piece != "<pad>")] };

        var act = () => TextEncoder.Create(noPad.ToBytes(), Manifest);

        act.Should().Throw<EvaluationRefusedException>().WithMessage("*the model has no '<pad>' piece; set tokenizer.pad_token_id*");
        TextEncoder.Create(noPad.ToBytes(), Manifest with { Tokenizer = Manifest.Tokenizer with { PadTokenId = 0 } }).PaddingTokenId.Should().Be(0);
    }

    private static IEnumerable<SentencePieceEntry> Specials() =>
    [
        new("<unk>", 0, PieceType.Unknown), new("<s>", 0, PieceType.Control), new("</s>", 0, PieceType.Control), new("<pad>", 0, PieceType.Control),
    ];

    private static IEnumerable<SentencePieceEntry> CharacterPieces() =>
        Characters.Select((c, k) => new SentencePieceEntry(c.ToString(), -100 - k, PieceType.Normal));

    private static int CharacterId(SentencePieceModelFile model, char c) =>
        model.Pieces.Select((p, i) => (p.Piece, i)).Single(p => p.Piece == c.ToString()).i;

    private static TextEncoder Encoder(SentencePieceModelFile model, TokenizerSpec? tokenizer = null, ModelManifest? manifest = null)
    {
        manifest ??= Manifest;
        return TextEncoder.Create(model.ToBytes(), manifest with { Tokenizer = tokenizer ?? manifest.Tokenizer });
    }
}
