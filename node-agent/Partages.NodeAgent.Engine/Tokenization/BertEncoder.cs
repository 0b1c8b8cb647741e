using Microsoft.ML.Tokenizers;
using Partages.Evaluation.Bundles;
using Partages.Evaluation.Tokenization;

namespace Partages.NodeAgent.Engine.Tokenization;

/// <summary>
/// Turns a report into the ids a BERT-style classifier expects: <c>[CLS]</c>, the first
/// <c>max_length - 2</c> WordPiece ids, <c>[SEP]</c>. Truncation cuts between word pieces, as Hugging Face
/// tokenizers do, so a word split at the limit keeps its first pieces and the ids match the model's training.
/// With <c>strip_accents</c>, text is first folded by <see cref="AccentFolding"/>, because the tokenizer's own
/// accent stripping does nothing under invariant globalization.
/// With a <see cref="ModelManifest.Stride"/>, <see cref="EncodeWindows"/> reads the whole document instead, in
/// overlapping windows, as Hugging Face's <c>return_overflowing_tokens</c> does.
/// </summary>
internal sealed class BertEncoder
{
    private readonly BertTokenizer _tokenizer;
    private readonly int _maxPieces;
    private readonly int _encodeBudget;
    private readonly bool _foldAccents;
    private readonly int _stride;

    private BertEncoder(BertTokenizer tokenizer, int maxLength, int stride, bool foldAccents)
    {
        _tokenizer = tokenizer;
        _foldAccents = foldAccents;
        _maxPieces = maxLength - 2;
        _stride = stride;
        // The tokenizer's own limit stops before a word that would not fit whole. A word yields at most
        // MaxInputCharsPerWord pieces (longer words become one [UNK]), so asking for that many more pieces than
        // needed always reaches past the cut, and the exact piece-level prefix is taken from there.
        _encodeBudget = _maxPieces + Math.Max(1, tokenizer.MaxInputCharsPerWord);
    }

    public int PaddingTokenId => _tokenizer.PaddingTokenId;

    public int ClassificationTokenId => _tokenizer.ClassificationTokenId;

    public int SeparatorTokenId => _tokenizer.SeparatorTokenId;

    /// <exception cref="EvaluationRefusedException">The vocabulary cannot be loaded or lacks the special tokens.</exception>
    public static BertEncoder Create(ReadOnlyMemory<byte> vocabulary, ModelManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var options = new BertOptions
        {
            LowerCaseBeforeTokenization = manifest.Tokenizer.Lowercase,
            RemoveNonSpacingMarks = manifest.Tokenizer.StripAccents,
            ApplyBasicTokenization = true,
            SplitOnSpecialTokens = true,
        };

        BertTokenizer tokenizer;
        try
        {
            using var stream = new MemoryStream(vocabulary.ToArray(), writable: false);
            tokenizer = BertTokenizer.Create(stream, options);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException or IOException)
        {
            throw new EvaluationRefusedException($"{manifest.Tokenizer.Vocab} cannot be loaded as a WordPiece vocabulary: {ex.Message}", ex);
        }

        return new BertEncoder(tokenizer, manifest.MaxLength, manifest.Stride, manifest.Tokenizer.StripAccents);
    }

    /// <summary>The ids of one document, special tokens included; at most <c>max_length</c> of them.</summary>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var pieces = _tokenizer.EncodeToIds(_foldAccents ? AccentFolding.Fold(text) : text, _encodeBudget, addSpecialTokens: false, out _, out _);
        var count = Math.Min(pieces.Count, _maxPieces);
        var ids = new int[count + 2];
        ids[0] = _tokenizer.ClassificationTokenId;
        for (var i = 0; i < count; i++)
        {
            ids[i + 1] = pieces[i];
        }

        ids[^1] = _tokenizer.SeparatorTokenId;
        return ids;
    }

    /// <summary>
    /// The windows of one document, each <c>[CLS]</c> + at most <c>max_length - 2</c> pieces + <c>[SEP]</c>. With a
    /// stride of 0 that is the single truncated window of <see cref="Encode"/>. Otherwise window <c>k</c> holds the
    /// pieces from <c>k * (max_length - 2 - stride)</c>, and the last window is the first that reaches the
    /// document's end (Hugging Face's rule): a document of at most <c>max_length - 2</c> pieces is one window.
    /// </summary>
    public int[][] EncodeWindows(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (_stride == 0)
        {
            return [Encode(text)];
        }

        var pieces = _tokenizer.EncodeToIds(_foldAccents ? AccentFolding.Fold(text) : text, addSpecialTokens: false);
        var step = _maxPieces - _stride;
        var windows = new List<int[]>(Math.Max(1, ((pieces.Count - _stride) + step - 1) / step));
        var start = 0;
        while (true)
        {
            var count = Math.Min(_maxPieces, pieces.Count - start);
            var ids = new int[count + 2];
            ids[0] = _tokenizer.ClassificationTokenId;
            for (var i = 0; i < count; i++)
            {
                ids[i + 1] = pieces[start + i];
            }

            ids[^1] = _tokenizer.SeparatorTokenId;
            windows.Add(ids);
            if (start + count >= pieces.Count)
            {
                return [.. windows];
            }

            start += step;
        }
    }
}
