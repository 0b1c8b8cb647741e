using Microsoft.ML.Tokenizers;
using Partages.Evaluation.Tokenization;

namespace Partages.NodeAgent.Engine.Tokenization;

/// <summary>
/// BERT WordPiece over a bundle's <c>vocab.txt</c>: <c>[CLS]</c>, word pieces, <c>[SEP]</c>, padded with <c>[PAD]</c>.
/// <list type="bullet">
/// <item><see cref="TokenizerSpec.WordPiece"/>: the text is normalized and cut into words as Hugging Face's
/// <c>BertTokenizer</c> does (<see cref="BertBasicTokenization"/>), then Microsoft.ML.Tokenizers' WordPiece model cuts
/// each word (greedy longest match, <c>##</c> continuations, a word of more than 100 characters or with an unmatched
/// rest is one <c>[UNK]</c>). The classifier and entity recognition read the same pieces.</item>
/// <item><see cref="TokenizerSpec.BertWordPiece"/> (deprecated): Microsoft.ML.Tokenizers 2.0.1's <c>BertTokenizer</c>
/// as it is, which the model kit's demo bundles were trained on; the classifier feeds it the accent-folded text (line
/// breaks glue words, symbols vanish) and entity recognition the text prepared by <see cref="NerText.Prepare"/>, each as
/// its demo model learnt.</item>
/// </list>
/// Accents are folded by <see cref="AccentFolding"/> in both, because the tokenizer's own accent stripping does nothing
/// under invariant globalization. Truncation cuts between word pieces, as Hugging Face does.
/// </summary>
internal sealed class BertEncoder : TextEncoder
{
    private static readonly string[] s_specialTokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

    private readonly Tokenizer _tokenizer;
    private readonly bool _legacy;
    private readonly int _encodeBudget;

    private BertEncoder(WordPieceTokenizer tokenizer, ModelManifest manifest, bool legacy, int cls, int sep, int pad, int maxInputCharsPerWord)
        : base(manifest, cls, sep, pad)
    {
        _tokenizer = tokenizer;
        (UnknownTokenId, UnknownToken) = (tokenizer.UnknownTokenId, tokenizer.UnknownToken);
        _legacy = legacy;
        // The tokenizer's own limit stops before a word that would not fit whole. A word yields at most
        // MaxInputCharsPerWord pieces (longer words become one [UNK]), so asking for that many more pieces than
        // needed always reaches past the cut, and the exact piece-level prefix is taken from there.
        _encodeBudget = MaxPieces + Math.Max(1, maxInputCharsPerWord);
    }

    /// <exception cref="EvaluationRefusedException">The vocabulary cannot be loaded or lacks a special token.</exception>
    public static new BertEncoder Create(ReadOnlyMemory<byte> vocabulary, ModelManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return manifest.Tokenizer.Kind == TokenizerSpec.BertWordPiece ? CreateLegacy(vocabulary, manifest) : CreateFaithful(vocabulary, manifest);
    }

    public override int UnknownTokenId { get; }

    public override string UnknownToken { get; }

    public override NerPiece[] Pieces(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (_legacy)
        {
            var prepared = NerText.Prepare(text);
            var tokens = _tokenizer.EncodeToTokens(prepared, out var normalizedLegacy);
            var tuples = new (int, string, int, int)[tokens.Count];
            for (var i = 0; i < tokens.Count; i++)
            {
                tuples[i] = (tokens[i].Id, tokens[i].Value, tokens[i].Offset.Start.Value, tokens[i].Offset.End.Value);
            }

            return NerText.Pieces(prepared, normalizedLegacy, tuples);
        }

        var (normalized, map) = BertBasicTokenization.Normalize(text, Tokenizer.Lowercase, Tokenizer.StripAccents, s_specialTokens);
        var pieces = _tokenizer.EncodeToTokens(normalized, out _, considerPreTokenization: true, considerNormalization: false);
        var result = new NerPiece[pieces.Count];
        for (var i = 0; i < pieces.Count; i++)
        {
            var (start, end) = (pieces[i].Offset.Start.Value, pieces[i].Offset.End.Value);
            var from = map is null ? start : map[start];
            // The end maps through the piece's last character, so characters removed after it stay outside.
            var to = map is null ? end : end > start ? map[end - 1] + 1 : from;
            result[i] = new NerPiece(pieces[i].Id, from, NerText.WithCombiningMarks(text, Math.Max(from, to)), !pieces[i].Value.StartsWith("##", StringComparison.Ordinal));
        }

        return result;
    }

    protected override IReadOnlyList<int> PieceIds(string text, int atLeast)
    {
        string input;
        if (_legacy)
        {
            input = Tokenizer.StripAccents ? AccentFolding.Fold(text) : text;
            return atLeast == int.MaxValue
                ? ((BertTokenizer)_tokenizer).EncodeToIds(input, addSpecialTokens: false)
                : ((BertTokenizer)_tokenizer).EncodeToIds(input, _encodeBudget, addSpecialTokens: false, out _, out _);
        }

        input = BertBasicTokenization.Normalize(text, Tokenizer.Lowercase, Tokenizer.StripAccents, s_specialTokens).Normalized;
        return atLeast == int.MaxValue
            ? _tokenizer.EncodeToIds(input, considerPreTokenization: true, considerNormalization: false)
            : _tokenizer.EncodeToIds(input, _encodeBudget, out _, out _, considerPreTokenization: true, considerNormalization: false);
    }

    private static BertEncoder CreateLegacy(ReadOnlyMemory<byte> vocabulary, ModelManifest manifest)
    {
        var options = new BertOptions
        {
            LowerCaseBeforeTokenization = manifest.Tokenizer.Lowercase,
            RemoveNonSpacingMarks = manifest.Tokenizer.StripAccents,
            ApplyBasicTokenization = true,
            SplitOnSpecialTokens = true,
        };

        var tokenizer = LoadVocabulary(vocabulary, manifest.Tokenizer.Vocab, stream => BertTokenizer.Create(stream, options));

        return new BertEncoder(
            tokenizer, manifest, legacy: true, tokenizer.ClassificationTokenId, tokenizer.SeparatorTokenId, tokenizer.PaddingTokenId, tokenizer.MaxInputCharsPerWord);
    }

    /// <summary>Either tokenizer read from the bundle's vocabulary; a file it cannot read refuses the run rather than failing it.</summary>
    private static T LoadVocabulary<T>(ReadOnlyMemory<byte> vocabulary, string file, Func<Stream, T> create)
    {
        try
        {
            using var stream = new MemoryStream(vocabulary.ToArray(), writable: false);
            return create(stream);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException or IOException)
        {
            throw new EvaluationRefusedException($"{file} cannot be loaded as a WordPiece vocabulary: {ex.Message}", ex);
        }
    }

    private static BertEncoder CreateFaithful(ReadOnlyMemory<byte> vocabulary, ModelManifest manifest)
    {
        var file = manifest.Tokenizer.Vocab;
        var options = new WordPieceOptions
        {
            // The five special tokens stay whole in the text, as Hugging Face's BertTokenizer splits them off first.
            PreTokenizer = new BertBasicTokenization.PreTokenizer(s_specialTokens),
            Normalizer = null,
            UnknownToken = "[UNK]",
            ContinuingSubwordPrefix = "##",
            MaxInputCharsPerWord = 100,
        };

        var tokenizer = LoadVocabulary(vocabulary, file, stream => WordPieceTokenizer.Create(stream, options));

        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var token in new[] { "[CLS]", "[SEP]", "[PAD]" })
        {
            var encoded = tokenizer.EncodeToIds(token, considerPreTokenization: true, considerNormalization: false);
            if (encoded.Count == 1 && encoded[0] != tokenizer.UnknownTokenId)
            {
                ids[token] = encoded[0];
            }
        }

        var missing = new[] { "[CLS]", "[SEP]", "[PAD]" }.Where(token => !ids.ContainsKey(token)).ToList();
        if (missing.Count > 0)
        {
            throw new EvaluationRefusedException($"{file} is not a BERT WordPiece vocabulary: it lacks {string.Join(", ", missing)}");
        }

        return new BertEncoder(tokenizer, manifest, legacy: false, ids["[CLS]"], ids["[SEP]"], ids["[PAD]"], tokenizer.MaxInputCharsPerWord);
    }
}
