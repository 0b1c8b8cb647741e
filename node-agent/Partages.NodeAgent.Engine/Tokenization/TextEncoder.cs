using Partages.Evaluation.Tokenization;

namespace Partages.NodeAgent.Engine.Tokenization;

/// <summary>
/// Turns a report into the ids a bundle's model expects, whatever its tokenizer kind (<see cref="TokenizerSpec.Kinds"/>):
/// the classifier's windows (<see cref="EncodeWindows"/>) and entity recognition's pieces with their character offsets
/// (<see cref="Pieces"/>). Every window is framed the same way for every kind: the opening token (<c>[CLS]</c>, or
/// CamemBERT's <c>&lt;s&gt;</c>), at most <c>max_length - 2</c> pieces, the closing token (<c>[SEP]</c>, <c>&lt;/s&gt;</c>);
/// with a stride, windows follow Hugging Face's <c>return_overflowing_tokens</c> rule (<see cref="NerWindows.Layout"/>),
/// the same for the classifier and entity recognition. Thread-safe: the tokenizers behind it are.
/// </summary>
internal abstract class TextEncoder
{
    private readonly ModelManifest _manifest;

    protected TextEncoder(ModelManifest manifest, int classificationTokenId, int separatorTokenId, int paddingTokenId)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        _manifest = manifest;
        ClassificationTokenId = classificationTokenId;
        SeparatorTokenId = separatorTokenId;
        PaddingTokenId = paddingTokenId;
    }

    /// <summary>Pieces per window: <c>max_length - 2</c>.</summary>
    public int MaxPieces => _manifest.MaxLength - 2;

    /// <summary>Pieces shared by consecutive windows; 0 reads the first window only.</summary>
    public int Stride => _manifest.Stride;

    /// <summary>The manifest's tokenizer fields: whether the text is lowercased and its accents folded before it is cut into pieces.</summary>
    protected TokenizerSpec Tokenizer => _manifest.Tokenizer;

    /// <summary>The id that opens every window: BERT's <c>[CLS]</c>, or <c>&lt;s&gt;</c> for a SentencePiece model.</summary>
    public int ClassificationTokenId { get; }

    /// <summary>The id that closes every window: BERT's <c>[SEP]</c>, or <c>&lt;/s&gt;</c>.</summary>
    public int SeparatorTokenId { get; }

    /// <summary>The id padding carries (its attention mask is 0).</summary>
    public int PaddingTokenId { get; }

    /// <summary>
    /// The encoder for the manifest's tokenizer kind, loaded from the bundle's tokenizer file.
    /// </summary>
    /// <exception cref="EvaluationRefusedException">The file cannot be read as that kind's file; the reason names it and the problem.</exception>
    public static TextEncoder Create(ReadOnlyMemory<byte> tokenizerFile, ModelManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return manifest.Tokenizer.Kind switch
        {
            TokenizerSpec.SentencePiece => SentencePieceEncoder.Create(tokenizerFile, manifest),
            TokenizerSpec.WordPiece or TokenizerSpec.BertWordPiece => BertEncoder.Create(tokenizerFile, manifest),
            _ => throw new EvaluationRefusedException($"tokenizer.kind '{manifest.Tokenizer.Kind}' is not one of {string.Join(", ", TokenizerSpec.Kinds)}"),
        };
    }

    /// <summary>The id of the tokenizer's unknown token (WordPiece <c>[UNK]</c>, SentencePiece <c>&lt;unk&gt;</c>), as the model sees it.</summary>
    public abstract int UnknownTokenId { get; }

    /// <summary>The unknown token as written in the vocabulary, for reports.</summary>
    public abstract string UnknownToken { get; }

    /// <summary>
    /// Dataset QC given a bundle: the report's pieces (special tokens excluded, no window cut) and how many of its first
    /// <see cref="MaxPieces"/> are the unknown token.
    /// </summary>
    public Partages.Evaluation.Quality.PieceCount CountPieces(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var pieces = PieceIds(text, int.MaxValue);
        var unknown = 0;
        for (var i = 0; i < Math.Min(pieces.Count, MaxPieces); i++)
        {
            unknown += pieces[i] == UnknownTokenId ? 1 : 0;
        }

        return new Partages.Evaluation.Quality.PieceCount(pieces.Count, unknown);
    }

    /// <summary>The pieces of a report with their <c>[Start, End)</c> in the report's text, for entity recognition.</summary>
    public abstract NerPiece[] Pieces(string text);

    /// <summary>
    /// The piece ids of a report, special tokens excluded: at least its first <paramref name="atLeast"/> pieces (all of
    /// them if it has fewer), and those are exactly the first pieces of the whole report's encoding.
    /// </summary>
    protected abstract IReadOnlyList<int> PieceIds(string text, int atLeast);

    /// <summary>The first window of a report: at most <c>max_length</c> ids, the framing tokens included.</summary>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var pieces = PieceIds(text, MaxPieces);
        return Frame(pieces, 0, Math.Min(pieces.Count, MaxPieces));
    }

    /// <summary>
    /// The windows of a report. With a stride of 0 that is the single truncated window of <see cref="Encode"/>;
    /// otherwise window <c>k</c> holds the pieces from <c>k * (max_length - 2 - stride)</c> and the last window is the
    /// first that reaches the end (Hugging Face's rule): a report of at most <c>max_length - 2</c> pieces is one window.
    /// </summary>
    public int[][] EncodeWindows(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (Stride == 0)
        {
            return [Encode(text)];
        }

        var pieces = PieceIds(text, int.MaxValue);
        var layout = NerWindows.Layout(pieces.Count, MaxPieces, Stride);
        var windows = new int[layout.Length][];
        for (var w = 0; w < layout.Length; w++)
        {
            windows[w] = Frame(pieces, layout[w].Start, layout[w].Count);
        }

        return windows;
    }

    private int[] Frame(IReadOnlyList<int> pieces, int start, int count)
    {
        var ids = new int[count + 2];
        ids[0] = ClassificationTokenId;
        for (var i = 0; i < count; i++)
        {
            ids[i + 1] = pieces[start + i];
        }

        ids[^1] = SeparatorTokenId;
        return ids;
    }
}
