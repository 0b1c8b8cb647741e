using Microsoft.ML.Tokenizers;
using Partages.Evaluation.Bundles;
using Partages.Evaluation.Tokenization;

namespace Partages.NodeAgent.Engine.Scoring;

/// <summary>
/// A report's word pieces with their character offsets, for entity recognition: the bundle's WordPiece vocabulary
/// with the manifest's options (as <see cref="Tokenization.BertEncoder"/>), text prepared by <see cref="NerText.Prepare"/>,
/// offsets mapped back to the original text by <see cref="NerText.Pieces"/>. Thread-safe (the tokenizer is).
/// </summary>
internal sealed class NerEncoder
{
    private readonly BertTokenizer _tokenizer;

    private NerEncoder(BertTokenizer tokenizer, int maxLength, int stride)
    {
        _tokenizer = tokenizer;
        MaxPieces = maxLength - 2;
        Stride = stride;
    }

    public int MaxPieces { get; }

    public int Stride { get; }

    public int ClassificationTokenId => _tokenizer.ClassificationTokenId;

    public int SeparatorTokenId => _tokenizer.SeparatorTokenId;

    public int PaddingTokenId => _tokenizer.PaddingTokenId;

    /// <exception cref="EvaluationRefusedException">The vocabulary cannot be loaded.</exception>
    public static NerEncoder Create(ReadOnlyMemory<byte> vocabulary, ModelManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var options = new BertOptions
        {
            LowerCaseBeforeTokenization = manifest.Tokenizer.Lowercase,
            RemoveNonSpacingMarks = manifest.Tokenizer.StripAccents,
            ApplyBasicTokenization = true,
            SplitOnSpecialTokens = true,
        };

        try
        {
            using var stream = new MemoryStream(vocabulary.ToArray(), writable: false);
            return new NerEncoder(BertTokenizer.Create(stream, options), manifest.MaxLength, manifest.Stride);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException or IOException)
        {
            throw new EvaluationRefusedException($"{manifest.Tokenizer.Vocab} cannot be loaded as a WordPiece vocabulary: {ex.Message}", ex);
        }
    }

    public NerPiece[] Pieces(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var prepared = NerText.Prepare(text);
        var tokens = _tokenizer.EncodeToTokens(prepared, out var normalized);
        var tuples = new (int, string, int, int)[tokens.Count];
        for (var i = 0; i < tokens.Count; i++)
        {
            tuples[i] = (tokens[i].Id, tokens[i].Value, tokens[i].Offset.Start.Value, tokens[i].Offset.End.Value);
        }

        return NerText.Pieces(prepared, normalized, tuples);
    }
}
