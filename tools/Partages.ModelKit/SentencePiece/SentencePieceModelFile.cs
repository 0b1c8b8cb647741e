using Google.Protobuf;

namespace Partages.ModelKit.SentencePiece;

/// <summary>A piece's type, with the numbers of <c>ModelProto.SentencePiece.Type</c> in sentencepiece_model.proto.</summary>
public enum PieceType
{
    Normal = 1,
    Unknown = 2,
    Control = 3,
    UserDefined = 4,
    Unused = 5,
    Byte = 6,
}

/// <summary>The algorithm that cuts text with the pieces: <c>TrainerSpec.ModelType</c>'s numbers.</summary>
public enum SentencePieceModelType
{
    Unigram = 1,
    Bpe = 2,
}

/// <summary>One entry of the vocabulary; its id is its index in <see cref="SentencePieceModelFile.Pieces"/>.</summary>
public sealed record SentencePieceEntry(string Piece, float Score, PieceType Type);

/// <summary>
/// A SentencePiece model as sentencepiece's <c>spm_train</c> writes it (<c>*.model</c>): a protobuf <c>ModelProto</c>
/// from google/sentencepiece's <c>src/sentencepiece_model.proto</c>. Only the fields a tokenizer reads are written,
/// with the field numbers of that file:
/// <code>
/// ModelProto      1 pieces (repeated SentencePiece: 1 piece, 2 score, 3 type), 2 trainer_spec, 3 normalizer_spec
/// TrainerSpec     3 model_type, 4 vocab_size, 24 treat_whitespace_as_suffix, 35 byte_fallback,
///                 40 unk_id, 41 bos_id, 42 eos_id, 43 pad_id, 45 unk_piece, 46 bos_piece, 47 eos_piece, 48 pad_piece
/// NormalizerSpec  1 name, 3 add_dummy_prefix, 4 remove_extra_whitespaces, 5 escape_whitespaces
/// </code>
/// The normalizer is <c>identity</c> (no precompiled character map): sentencepiece and Microsoft.ML.Tokenizers then
/// only remove extra spaces, add the dummy prefix and write spaces as <c>▁</c>. Fields are written in field-number
/// order and floats as IEEE bytes, so the same model gives the same bytes everywhere.
/// </summary>
public sealed record SentencePieceModelFile(SentencePieceModelType ModelType, IReadOnlyList<SentencePieceEntry> Pieces)
{
    public const string UnknownPiece = "<unk>";
    public const string BosPiece = "<s>";
    public const string EosPiece = "</s>";
    public const string PadPiece = "<pad>";

    /// <summary>Id of <see cref="UnknownPiece"/>; -1 if absent.</summary>
    public int UnknownId => IndexOf(UnknownPiece);

    public int BosId => IndexOf(BosPiece);

    public int EosId => IndexOf(EosPiece);

    /// <summary>-1 when the model has no pad piece, as CamemBERT's has none (its pad id comes from fairseq's dictionary).</summary>
    public int PadId => IndexOf(PadPiece);

    public byte[] ToBytes()
    {
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        foreach (var entry in Pieces)
        {
            WriteMessage(output, 1, piece =>
            {
                piece.WriteTag(1, WireFormat.WireType.LengthDelimited);
                piece.WriteString(entry.Piece);
                piece.WriteTag(2, WireFormat.WireType.Fixed32);
                piece.WriteFloat(entry.Score);
                piece.WriteTag(3, WireFormat.WireType.Varint);
                piece.WriteEnum((int)entry.Type);
            });
        }

        WriteMessage(output, 2, trainer =>
        {
            WriteVarint(trainer, 3, (int)ModelType);
            WriteVarint(trainer, 4, Pieces.Count);
            WriteBool(trainer, 24, false);
            WriteBool(trainer, 35, false);
            WriteVarint(trainer, 40, UnknownId);
            WriteVarint(trainer, 41, BosId);
            WriteVarint(trainer, 42, EosId);
            WriteVarint(trainer, 43, PadId);
            WriteString(trainer, 45, UnknownPiece);
            WriteString(trainer, 46, BosPiece);
            WriteString(trainer, 47, EosPiece);
            WriteString(trainer, 48, PadPiece);
        });
        WriteMessage(output, 3, normalizer =>
        {
            WriteString(normalizer, 1, "identity");
            WriteBool(normalizer, 3, true);
            WriteBool(normalizer, 4, true);
            WriteBool(normalizer, 5, true);
        });
        output.Flush();
        return buffer.ToArray();
    }

    private int IndexOf(string piece)
    {
        for (var i = 0; i < Pieces.Count; i++)
        {
            if (Pieces[i].Piece == piece)
            {
                return i;
            }
        }

        return -1;
    }

    private static void WriteMessage(CodedOutputStream output, int field, Action<CodedOutputStream> write)
    {
        using var buffer = new MemoryStream();
        var inner = new CodedOutputStream(buffer);
        write(inner);
        inner.Flush();
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(buffer.ToArray()));
    }

    private static void WriteVarint(CodedOutputStream output, int field, int value)
    {
        output.WriteTag(field, WireFormat.WireType.Varint);
        // int32 fields are varints of the sign-extended 64-bit value, so -1 (absent id) takes ten bytes, as protoc writes it.
        output.WriteInt32(value);
    }

    private static void WriteBool(CodedOutputStream output, int field, bool value)
    {
        output.WriteTag(field, WireFormat.WireType.Varint);
        output.WriteBool(value);
    }

    private static void WriteString(CodedOutputStream output, int field, string value)
    {
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteString(value);
    }
}
