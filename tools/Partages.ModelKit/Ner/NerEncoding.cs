using Microsoft.ML.Tokenizers;
using Partages.Evaluation.Metrics;
using Partages.Evaluation.Tokenization;
using Partages.ModelKit.Synthetic;

namespace Partages.ModelKit.Ner;

/// <summary>One window ready for the tagger: [CLS] + pieces + [SEP], and per position the IOB2 tag to learn (-1: no loss).</summary>
public sealed record TaggedWindow(int[] Ids, int[] Tags);

/// <summary>
/// Text → word pieces with offsets → windows, the way the node engine reads a report for entity recognition
/// (<see cref="NerText"/>, <see cref="NerWindows"/>): same tokenizer options as the classifier
/// (<see cref="BertEncoding.CreateOptions"/>), text prepared by <see cref="NerText.Prepare"/>.
/// </summary>
public sealed class NerEncoding
{
    private readonly BertTokenizer _tokenizer;

    private NerEncoding(BertTokenizer tokenizer, int maxLength, int stride)
    {
        _tokenizer = tokenizer;
        MaxLength = maxLength;
        Stride = stride;
    }

    public int MaxLength { get; }

    public int Stride { get; }

    public int MaxPieces => MaxLength - 2;

    public static NerEncoding FromVocabStream(Stream vocab, int maxLength, int stride)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 8);
        return new NerEncoding(BertTokenizer.Create(vocab, BertEncoding.CreateOptions()), maxLength, stride);
    }

    public NerPiece[] Pieces(string text)
    {
        var prepared = NerText.Prepare(text);
        var tokens = _tokenizer.EncodeToTokens(prepared, out var normalized);
        return NerText.Pieces(prepared, normalized, [.. tokens.Select(t => (t.Id, t.Value, t.Offset.Start.Value, t.Offset.End.Value))]);
    }

    /// <summary>The windows of one report; with <paramref name="gold"/>, each word's first piece carries the word's gold tag.</summary>
    public IReadOnlyList<TaggedWindow> Windows(string text, IReadOnlyList<NerEntity>? gold)
    {
        var pieces = Pieces(text);
        var pieceTags = new int[pieces.Length];
        Array.Fill(pieceTags, -1);
        if (gold is not null)
        {
            var words = NerText.Words(pieces);
            var wordTags = NerText.GoldWordTags(words, gold);
            for (var w = 0; w < words.Length; w++)
            {
                pieceTags[words[w].FirstPiece] = wordTags[w];
            }
        }

        var windows = new List<TaggedWindow>();
        foreach (var window in NerWindows.Layout(pieces.Length, MaxPieces, Stride))
        {
            var ids = new int[window.Count + 2];
            var tags = new int[window.Count + 2];
            ids[0] = _tokenizer.ClassificationTokenId;
            ids[^1] = _tokenizer.SeparatorTokenId;
            tags[0] = tags[^1] = -1;
            for (var i = 0; i < window.Count; i++)
            {
                ids[i + 1] = pieces[window.Start + i].Id;
                tags[i + 1] = pieceTags[window.Start + i];
            }

            windows.Add(new TaggedWindow(ids, tags));
        }

        return windows;
    }

    /// <summary>Entities of a report in the entity types' index order, from the generator's gold spans.</summary>
    public static NerEntity[] GoldEntities(OncologyReport report, IReadOnlyList<string> types) =>
        [.. report.Entities.Select(e => new NerEntity(e.Start, e.End, IndexOf(types, e.Label)))];

    private static int IndexOf(IReadOnlyList<string> types, string label)
    {
        for (var i = 0; i < types.Count; i++)
        {
            if (types[i] == label)
            {
                return i;
            }
        }

        throw new InvalidDataException($"Unknown entity type '{label}'.");
    }
}
