using Partages.Evaluation.Tokenization;

namespace Partages.NodeAgent.Engine.Tasks.EntityRecognition;

/// <summary>
/// One document on its way through a token classifier: its pieces, its windows, which window each piece takes its tag
/// from (<see cref="NerWindows.Owners"/>), and the tags gathered so far. Holds the text's offsets, never the text.
/// </summary>
internal sealed class NerDocument
{
    private readonly int[] _owners;
    private int _windowsSeen;

    public NerDocument(NerPiece[] pieces, int maxPieces, int stride, EntitySpan[] gold)
    {
        Pieces = pieces;
        Gold = gold;
        Windows = NerWindows.Layout(pieces.Length, maxPieces, stride);
        _owners = NerWindows.Owners(Windows, pieces.Length);
        PieceTags = new int[pieces.Length];
    }

    public NerPiece[] Pieces { get; }

    public EntitySpan[] Gold { get; }

    /// <summary>EDS-NLP word tokens' offsets (<see cref="EdsNlpTokens"/>), when the spec asks for its metrics; else null.</summary>
    public (int Start, int End)[]? WordTokens { get; init; }

    public NerWindow[] Windows { get; }

    /// <summary><see cref="Iob2"/> tag of each piece, from the window that owns it (O for pieces no window reads).</summary>
    public int[] PieceTags { get; }

    /// <summary>A window's logits held a NaN: the document has no prediction.</summary>
    public bool IsInvalid { get; private set; }

    public bool IsComplete => _windowsSeen == Windows.Length;

    /// <summary>
    /// Takes window <paramref name="window"/>'s logits (<c>[sequence, tags]</c>, position 0 being [CLS]): each piece
    /// the window owns gets the argmax tag (the first on ties), mapped by <paramref name="manifestToIob2"/>.
    /// </summary>
    /// <summary>
    /// Per declared head (attributes, then codes; <see cref="NerSession.HeadSizes"/>), each piece's chosen value (the
    /// argmax, first on ties) and its softmax probability, from the window that owns the piece; empty without heads.
    /// </summary>
    public (int[] Value, float[] Probability)[] PieceHeads { get; private set; } = [];

    /// <param name="heads">The window's rows of each declared head's logits (<c>[sequence, HeadSizes[h]]</c>); null or empty without heads.</param>
    public void AddWindow(int window, ReadOnlySpan<float> logits, int tags, int[] manifestToIob2, float[][]? heads = null, int[]? headSizes = null)
    {
        var layout = Windows[window];
        if (heads is { Length: > 0 } && PieceHeads.Length == 0)
        {
            PieceHeads = [.. heads.Select(_ => (new int[Pieces.Length], new float[Pieces.Length]))];
        }
        for (var i = 0; i < layout.Count; i++)
        {
            var piece = layout.Start + i;
            if (_owners[piece] != window)
            {
                continue;
            }

            var row = logits.Slice((i + 1) * tags, tags);
            var best = 0;
            for (var c = 0; c < tags; c++)
            {
                if (float.IsNaN(row[c]))
                {
                    IsInvalid = true;
                    break;
                }

                if (row[c] > row[best])
                {
                    best = c;
                }
            }

            PieceTags[piece] = manifestToIob2[best];
            for (var h = 0; h < (heads?.Length ?? 0); h++)
            {
                var width = headSizes![h];
                (PieceHeads[h].Value[piece], PieceHeads[h].Probability[piece]) = Choose(heads![h].AsSpan((i + 1) * width, width));
            }
        }

        _windowsSeen++;
    }

    /// <summary>The argmax of one piece's logits (the first on ties) and its softmax probability (NaN logits: the document is invalid).</summary>
    private (int Value, float Probability) Choose(ReadOnlySpan<float> row)
    {
        var best = 0;
        for (var c = 0; c < row.Length; c++)
        {
            if (float.IsNaN(row[c]))
            {
                IsInvalid = true;
                return (0, 0);
            }

            best = row[c] > row[best] ? c : best;
        }

        double sum = 0;
        foreach (var logit in row)
        {
            sum += Math.Exp(logit - row[best]);
        }

        return (best, (float)(1 / sum));
    }
}

/// <summary>
/// Entity recognition's sufficient statistics over the documents of one run (<see cref="NerStatistics"/>): counts
/// under the four nervaluate schemes (character spans), seqeval strict-mode counts (words), and the type confusion of
/// entities with the same boundaries. A document's words are labelled by their first piece; predicted words are
/// decoded as strict IOB2 and turned into character spans (docs/ner.md). Under differential privacy the job carries
/// the policy's bounds on entities per report and type (<see cref="EvaluationJob.MaxEntitiesPerReport"/>) and on the
/// words per report counted in tag agreement (<see cref="EvaluationJob.MaxWordsPerReport"/>); the spans are matched by the spec's
/// <c>ner_matching</c> rule.
/// </summary>
/// <param name="qualifiers">The attribute, normalisation and fragment metrics asked, with the bundle's declarations (attribute heads first, then codes).</param>
internal sealed class NerScorer(IReadOnlyList<string> types, int? maxEntitiesPerReport = null, int? maxWordsPerReport = null, string matching = NerMatching.Default, NerEdsNlpOptions? edsNlp = null, NerQualifierOptions? qualifiers = null)
{
    public NerStatistics Statistics { get; } = new(types, maxEntitiesPerReport, maxWordsPerReport, matching) { EdsNlp = edsNlp, Qualifiers = qualifiers };

    /// <summary>What the model gave each predicted entity of the last document added (local mode's predictions file).</summary>
    public Dictionary<NerEntity, SpanQualifiers> LastPredictedQualifiers { get; } = [];

    public long DocumentsScored => Statistics.DocumentCount;

    /// <returns>The document's predicted character spans that were counted.</returns>
    public List<NerEntity> Add(NerDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var words = NerText.Words(document.Pieces);
        var gold = document.Gold.Select(e => new NerEntity(e.Start, e.End, e.Label)).ToArray();
        var predictedTags = new int[words.Length];
        for (var w = 0; w < words.Length; w++)
        {
            predictedTags[w] = document.PieceTags[words[w].FirstPiece];
        }

        var goldQualifiers = document.Gold.Where(e => e.Qualifiers is not null).ToDictionary(e => new NerEntity(e.Start, e.End, e.Label), e => e.Qualifiers!);
        var firstPieceAt = words.GroupBy(w => w.Start).ToDictionary(g => g.Key, g => g.First().FirstPiece);
        LastPredictedQualifiers.Clear();
        SpanQualifiers? Predicted(NerEntity entity)
        {
            if (document.PieceHeads.Length == 0 || !firstPieceAt.TryGetValue(entity.Start, out var piece))
            {
                return null;
            }

            // The entity's attributes and code are read at its first word's first piece, as its tag is.
            var attributes = qualifiers?.Schema.Attributes.Count ?? 0;
            var heads = document.PieceHeads;
            var found = new SpanQualifiers(
                [.. heads.Take(attributes).Select(h => h.Value[piece])],
                [.. heads.Take(attributes).Select(h => h.Probability[piece])],
                heads.Length > attributes ? heads[attributes].Value[piece] : -1);
            LastPredictedQualifiers[entity] = found;
            return found;
        }

        return Statistics.Add(gold, words, predictedTags, document.WordTokens, e => goldQualifiers.GetValueOrDefault(e), Predicted);
    }
}
