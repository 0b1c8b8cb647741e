using Microsoft.ML.Tokenizers;
using Partages.ModelKit.SentencePiece;

namespace Partages.ModelKit.Tests.SentencePiece;

public sealed class SentencePieceModelFileTests
{
    [Test]
    public void ToBytes_OnePieceModel_IsTheProtobufWrittenByHand()
    {
        var model = new SentencePieceModelFile(SentencePieceModelType.Bpe, [new("<unk>", 0, PieceType.Unknown)]);

        var bytes = model.ToBytes();

        // Field numbers and wire types from sentencepiece_model.proto; a tag is (field << 3) | wire type, as a varint.
        byte[] expected =
        [
            // ModelProto.pieces (1, length 14): piece (1) "<unk>", score (2, fixed32) 0.0f, type (3) UNKNOWN = 2
            0x0A, 0x0E, 0x0A, 0x05, .. "<unk>"u8, 0x15, 0x00, 0x00, 0x00, 0x00, 0x18, 0x02,
            // ModelProto.trainer_spec (2, length 78)
            0x12, 0x4E,
            0x18, 0x02,                 // model_type (3) BPE
            0x20, 0x01,                 // vocab_size (4) 1
            0xC0, 0x01, 0x00,           // treat_whitespace_as_suffix (24) false
            0x98, 0x02, 0x00,           // byte_fallback (35) false
            0xC0, 0x02, 0x00,           // unk_id (40) 0
            0xC8, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, // bos_id (41) -1: no <s> piece
            0xD0, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, // eos_id (42) -1
            0xD8, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, // pad_id (43) -1
            0xEA, 0x02, 0x05, .. "<unk>"u8, // unk_piece (45)
            0xF2, 0x02, 0x03, .. "<s>"u8,   // bos_piece (46)
            0xFA, 0x02, 0x04, .. "</s>"u8,  // eos_piece (47)
            0x82, 0x03, 0x05, .. "<pad>"u8, // pad_piece (48)
            // ModelProto.normalizer_spec (3, length 16): name (1) "identity", add_dummy_prefix (3),
            // remove_extra_whitespaces (4), escape_whitespaces (5) all true
            0x1A, 0x10, 0x0A, 0x08, .. "identity"u8, 0x18, 0x01, 0x20, 0x01, 0x28, 0x01,
        ];
        bytes.Should().Equal(expected);
    }

    [Test]
    public void ToBytes_LoadedByMicrosoftTokenizers_WithItsIdsAndSpecialPieces()
    {
        var model = new SentencePieceModelFile(SentencePieceModelType.Bpe,
        [
            new("<unk>", 0, PieceType.Unknown), new("<s>", 0, PieceType.Control), new("</s>", 0, PieceType.Control),
            new("▁l", -1, PieceType.Normal), new("▁la", -2, PieceType.Normal), new("▁", -3, PieceType.Normal), new("l", -4, PieceType.Normal),
            new("a", -5, PieceType.Normal),
        ]);

        using var stream = new MemoryStream(model.ToBytes());
        var tokenizer = SentencePieceTokenizer.Create(stream, false, false, null);

        tokenizer.Vocabulary.Should().HaveCount(8).And.Contain("▁la", 4);
        (tokenizer.UnknownId, tokenizer.BeginningOfSentenceId, tokenizer.EndOfSentenceId).Should().Be((0, 1, 2));
        (tokenizer.AddDummyPrefix, tokenizer.EscapeWhiteSpaces, tokenizer.TreatWhitespaceAsSuffix, tokenizer.ByteFallback).Should().Be((true, true, false, false));
        // BPE reaches ▁la through ▁l: ▁ l a → ▁l a → ▁la; extra spaces are dropped by the normalizer.
        tokenizer.EncodeToIds("  la  la ", false, false).Should().Equal(4, 4);
        model.PadId.Should().Be(-1, "like CamemBERT's model, this one has no <pad> piece");
    }
}
