using Microsoft.ML.Tokenizers;
using Partages.Evaluation.Tokenization;

namespace Partages.ModelKit.Training;

/// <summary>Token ids and attention mask of a batch, row-major [batch, sequence], as the ONNX graph takes them.</summary>
public sealed record EncodedBatch(long[] InputIds, long[] AttentionMask, int BatchSize, int SequenceLength)
{
    public ReadOnlySpan<long> Row(int index) => InputIds.AsSpan(index * SequenceLength, SequenceLength);

    public ReadOnlySpan<long> MaskRow(int index) => AttentionMask.AsSpan(index * SequenceLength, SequenceLength);

    /// <summary>
    /// One row per text, <paramref name="encode"/>'s ids (at most <paramref name="sequenceLength"/>) then
    /// <paramref name="padId"/>; the mask is 1 on the ids, 0 on the padding. Both tokenizers' encodings batch so.
    /// </summary>
    public static EncodedBatch Pad(IReadOnlyList<string> texts, int sequenceLength, long padId, Func<string, IReadOnlyList<int>> encode)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var ids = new long[texts.Count * sequenceLength];
        var mask = new long[texts.Count * sequenceLength];
        Array.Fill(ids, padId);
        for (var row = 0; row < texts.Count; row++)
        {
            var tokens = encode(texts[row]);
            var offset = row * sequenceLength;
            for (var t = 0; t < tokens.Count; t++)
            {
                ids[offset + t] = tokens[t];
                mask[offset + t] = 1;
            }
        }

        return new EncodedBatch(ids, mask, texts.Count, sequenceLength);
    }
}

/// <summary>
/// Text → model inputs, exactly as the node agent must do it at inference: accents folded
/// (<see cref="AccentFolding"/>), then Microsoft.ML.Tokenizers' BERT WordPiece tokenizer (lower case,
/// basic tokenization), [CLS] … [SEP] truncated to <see cref="MaxLength"/> ids, padded with id 0,
/// attention mask 1 on tokens and 0 on padding. Training, the ONNX self-check and the tests all go
/// through this class, so the model never sees ids produced any other way.
/// </summary>
public sealed class BertEncoding
{
    private BertEncoding(BertTokenizer tokenizer, int maxLength)
    {
        Tokenizer = tokenizer;
        MaxLength = maxLength;
    }

    public BertTokenizer Tokenizer { get; }

    public int MaxLength { get; }

    /// <summary>The tokenizer options the bundle's manifest stands for (lowercase, strip_accents).</summary>
    public static BertOptions CreateOptions() => new()
    {
        LowerCaseBeforeTokenization = true,
        RemoveNonSpacingMarks = true,
        ApplyBasicTokenization = true,
        SplitOnSpecialTokens = true,
    };

    public static BertEncoding FromVocabFile(string vocabPath, int maxLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 3);
        return new BertEncoding(BertTokenizer.Create(vocabPath, CreateOptions()), maxLength);
    }

    public static BertEncoding FromVocabStream(Stream vocab, int maxLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 3);
        return new BertEncoding(BertTokenizer.Create(vocab, CreateOptions()), maxLength);
    }

    /// <summary>
    /// [CLS], the first <see cref="MaxLength"/> − 2 WordPiece ids, [SEP]; not padded. The cut falls between
    /// word pieces, as Hugging Face tokenizers cut (a word split at the limit keeps its first pieces).
    /// The tokenizer's own <c>maxTokenCount</c> overload is not used: it stops before a word that does
    /// not fit whole, which would give other ids than the node agent's encoder at the limit.
    /// </summary>
    public IReadOnlyList<int> EncodeToIds(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var pieces = Tokenizer.EncodeToIds(AccentFolding.Fold(text), addSpecialTokens: false);
        var count = Math.Min(pieces.Count, MaxLength - 2);
        var ids = new int[count + 2];
        ids[0] = Tokenizer.ClassificationTokenId;
        for (var i = 0; i < count; i++)
        {
            ids[i + 1] = pieces[i];
        }

        ids[^1] = Tokenizer.SeparatorTokenId;
        return ids;
    }

    /// <summary>One row per text, each padded to <see cref="MaxLength"/>.</summary>
    public EncodedBatch Encode(IReadOnlyList<string> texts) => EncodedBatch.Pad(texts, MaxLength, padId: 0, EncodeToIds);
}
