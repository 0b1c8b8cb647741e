using Microsoft.ML.Tokenizers;

namespace Partages.ModelKit.SentencePiece;

/// <summary>
/// Text → model inputs for a classifier over a SentencePiece model, with CamemBERT's id conventions: the model's
/// ids are the SentencePiece ids shifted by <see cref="IdOffset"/> (fairseq's dictionary puts <c>&lt;s&gt;NOTUSED</c>,
/// <c>&lt;pad&gt;</c>, <c>&lt;/s&gt;NOTUSED</c>, <c>&lt;unk&gt;</c> first), an unknown piece is <see cref="UnknownId"/>, and a
/// document is <c>&lt;s&gt;</c>, its first <c>max_length − 2</c> pieces, <c>&lt;/s&gt;</c>, padded with
/// <see cref="PadId"/>. Training, the ONNX check and the tests encode through this class; the node engine must give
/// the same ids (a test compares them on every demo report).
/// </summary>
public sealed class SentencePieceEncoding
{
    /// <summary>CamemBERT's shift of SentencePiece ids.</summary>
    public const int IdOffset = 4;

    /// <summary>CamemBERT's <c>&lt;pad&gt;</c>.</summary>
    public const int PadId = 1;

    /// <summary>CamemBERT's <c>&lt;unk&gt;</c>.</summary>
    public const int UnknownId = 3;

    private readonly SentencePieceTokenizer _tokenizer;

    public SentencePieceEncoding(byte[] modelFile, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(modelFile);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 3);
        using var stream = new MemoryStream(modelFile, writable: false);
        // No <s>/</s> from the tokenizer: this class frames the ids, as the engine does.
        _tokenizer = SentencePieceTokenizer.Create(stream, false, false, null);
        MaxLength = maxLength;
        BosId = _tokenizer.BeginningOfSentenceId + IdOffset;
        EosId = _tokenizer.EndOfSentenceId + IdOffset;
    }

    public int MaxLength { get; }

    public int BosId { get; }

    public int EosId { get; }

    public SentencePieceTokenizer Tokenizer => _tokenizer;

    /// <summary>Rows of the classifier's embedding: every SentencePiece id shifted, plus the offset's rows.</summary>
    public int ModelVocabularySize => _tokenizer.Vocabulary.Count + IdOffset;

    /// <summary>The model's ids of every piece of the text, no special token.</summary>
    public int[] PieceIds(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = _tokenizer.EncodeToIds(SentencePieceText.Prepare(text), false, false);
        return [.. ids.Select(id => id == _tokenizer.UnknownId ? UnknownId : id + IdOffset)];
    }

    /// <summary>&lt;s&gt;, the first <see cref="MaxLength"/> − 2 piece ids, &lt;/s&gt;; not padded.</summary>
    public int[] EncodeToIds(string text)
    {
        var pieces = PieceIds(text);
        var count = Math.Min(pieces.Length, MaxLength - 2);
        var ids = new int[count + 2];
        ids[0] = BosId;
        pieces.AsSpan(0, count).CopyTo(ids.AsSpan(1));
        ids[^1] = EosId;
        return ids;
    }

    /// <summary>One row per text, each padded to <see cref="MaxLength"/> with <see cref="PadId"/>.</summary>
    public EncodedBatch Encode(IReadOnlyList<string> texts) => EncodedBatch.Pad(texts, MaxLength, PadId, text => EncodeToIds(text));
}
