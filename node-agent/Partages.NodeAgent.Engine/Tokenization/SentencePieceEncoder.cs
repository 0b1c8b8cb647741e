using Google.Protobuf;
using Microsoft.ML.Tokenizers;
using Partages.Evaluation.Tokenization;

namespace Partages.NodeAgent.Engine.Tokenization;

/// <summary>
/// A SentencePiece model (BPE or Unigram; Microsoft.ML.Tokenizers 2.0.1 refuses the Word and Char types), as the
/// CamemBERT family ships it (<c>sentencepiece.bpe.model</c>): <c>&lt;s&gt;</c>, pieces, <c>&lt;/s&gt;</c>, padded with
/// the pad id, no token type ids. Ids follow the manifest's mapping from the SentencePiece model's ids to the
/// model's: <c>id_offset</c> added to each, and <c>bos/eos/pad/unk_token_id</c> where the model's own ids differ
/// (CamemBERT: offset 4, pad 1, unknown 3; <c>&lt;s&gt;</c> = 1 + 4 and <c>&lt;/s&gt;</c> = 2 + 4 follow the offset).
/// </summary>
/// <remarks>
/// Before the model sees the text: tab, line feed and carriage return become spaces (one for one, so offsets hold),
/// as the <c>nmt_nfkc</c> normalization of CamemBERT's model does; a model whose own normalizer is the identity would
/// otherwise read them as unknown characters. <c>lowercase</c> and <c>strip_accents</c> are applied one for one if
/// the manifest asks (CamemBERT's manifest sets both false). The model's own normalizer then removes extra spaces,
/// adds the dummy prefix and writes spaces as <c>▁</c>; a piece starting with <c>▁</c> starts a word. No special
/// token is recognised inside the text: a report containing "&lt;s&gt;" gets that text's pieces, never the control id.
/// </remarks>
internal sealed class SentencePieceEncoder : TextEncoder
{
    private const char Space = '\u2581';

    private readonly SentencePieceTokenizer _tokenizer;
    private readonly int _idOffset;
    private readonly int _unknownId;

    private SentencePieceEncoder(SentencePieceTokenizer tokenizer, ModelManifest manifest, int bos, int eos, int pad, int unknown)
        : base(manifest, bos, eos, pad)
    {
        _tokenizer = tokenizer;
        _idOffset = manifest.Tokenizer.IdOffset ?? 0;
        _unknownId = unknown;
        UnknownToken = tokenizer.UnknownToken ?? "<unk>";
    }

    public override int UnknownTokenId => _unknownId;

    public override string UnknownToken { get; }

    /// <exception cref="EvaluationRefusedException">The file is not a SentencePiece model this engine reads, or a special id cannot be resolved.</exception>
    public static new SentencePieceEncoder Create(ReadOnlyMemory<byte> modelFile, ModelManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var spec = manifest.Tokenizer;
        var file = spec.Vocab;
        if (modelFile.IsEmpty)
        {
            throw new EvaluationRefusedException($"{file} is empty, so not a SentencePiece model");
        }

        SentencePieceTokenizer tokenizer;
        try
        {
            using var stream = new MemoryStream(modelFile.ToArray(), writable: false);
            tokenizer = SentencePieceTokenizer.Create(stream, false, false, null); // no <s>/</s> added (framed by TextEncoder), no special token matched in text
        }
        catch (Exception ex) when (ex is InvalidProtocolBufferException or ArgumentException or InvalidOperationException or FormatException
            or IOException or NotSupportedException or NullReferenceException or IndexOutOfRangeException or KeyNotFoundException or OverflowException)
        {
            // NullReferenceException and IndexOutOfRangeException: the 2.0.1 loader's answer to some well-formed
            // protobuf messages that are not models (an empty message, a model without pieces).
            throw new EvaluationRefusedException($"{file} cannot be loaded as a SentencePiece model: {ex.Message}", ex);
        }

        var errors = new List<string>();
        if (tokenizer.TreatWhitespaceAsSuffix)
        {
            errors.Add("its pieces end words (treat_whitespace_as_suffix), which this engine does not read");
        }

        var offset = spec.IdOffset ?? 0;
        var vocabulary = tokenizer.Vocabulary;
        int? Resolve(int? declared, string? piece, string field)
        {
            if (declared is not null)
            {
                return declared;
            }

            if (piece is not null && vocabulary.TryGetValue(piece, out var id))
            {
                return id + offset;
            }

            errors.Add($"the model has no '{piece}' piece; set tokenizer.{field}");
            return null;
        }

        var bos = Resolve(spec.BosTokenId, tokenizer.BeginningOfSentenceToken, "bos_token_id");
        var eos = Resolve(spec.EosTokenId, tokenizer.EndOfSentenceToken, "eos_token_id");
        var pad = Resolve(spec.PadTokenId, "<pad>", "pad_token_id");
        var unknown = Resolve(spec.UnkTokenId, tokenizer.UnknownToken, "unk_token_id");
        if (errors.Count > 0)
        {
            throw new EvaluationRefusedException($"{file} cannot be used as the manifest asks: " + string.Join("; ", errors));
        }

        return new SentencePieceEncoder(tokenizer, manifest, bos!.Value, eos!.Value, pad!.Value, unknown!.Value);
    }

    public override NerPiece[] Pieces(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var prepared = Prepare(text);
        var tokens = _tokenizer.EncodeToTokens(prepared, out var normalized, addBeginningOfSentence: false, addEndOfSentence: false);
        if (tokens.Count == 0)
        {
            return [];
        }

        normalized ??= prepared;
        var map = Align(prepared, normalized);
        var pieces = new NerPiece[tokens.Count];
        for (var i = 0; i < tokens.Count; i++)
        {
            var (start, end) = (tokens[i].Offset.Start.Value, tokens[i].Offset.End.Value);
            var wordStart = i == 0 || (start < normalized.Length && normalized[start] == Space);
            // The word's text starts after its ▁ (a space of the report, or the dummy prefix).
            while (start < end && normalized[start] == Space)
            {
                start++;
            }

            var from = map[start];
            var to = end > start ? map[end - 1] + 1 : from;
            pieces[i] = new NerPiece(ModelId(tokens[i].Id), from, NerText.WithCombiningMarks(prepared, Math.Max(from, to)), wordStart);
        }

        return pieces;
    }

    protected override IReadOnlyList<int> PieceIds(string text, int atLeast)
    {
        var ids = _tokenizer.EncodeToIds(Prepare(text), addBeginningOfSentence: false, addEndOfSentence: false);
        var mapped = new int[ids.Count];
        for (var i = 0; i < mapped.Length; i++)
        {
            mapped[i] = ModelId(ids[i]);
        }

        return mapped;
    }

    /// <summary>
    /// For each character of the model's normalized text, the index of the report's character it stands for (the last
    /// entry is the report's length). The normalizer drops leading, trailing and repeated spaces, writes the others as
    /// ▁ and puts a ▁ before the text; a model with a character map (NFKC) may also replace characters, which are taken
    /// one for one, or drop a few, which a short look-ahead skips.
    /// </summary>
    internal static int[] Align(string prepared, string normalized)
    {
        var map = new int[normalized.Length + 1];
        var i = 0;
        for (var j = 0; j < normalized.Length; j++)
        {
            var c = normalized[j];
            if (c == Space)
            {
                if (i < prepared.Length && (char.IsWhiteSpace(prepared[i]) || prepared[i] == Space))
                {
                    map[j] = i++;
                    // A run of spaces became one ▁.
                    while (i < prepared.Length && char.IsWhiteSpace(prepared[i]))
                    {
                        i++;
                    }
                }
                else
                {
                    // The dummy prefix: it stands before the character the walk is on.
                    map[j] = Math.Min(i, Math.Max(0, prepared.Length - 1));
                }

                continue;
            }

            while (i < prepared.Length && char.IsWhiteSpace(prepared[i]))
            {
                i++;
            }

            if (i < prepared.Length && prepared[i] != c)
            {
                for (var ahead = 1; ahead <= 4 && i + ahead < prepared.Length; ahead++)
                {
                    if (prepared[i + ahead] == c)
                    {
                        i += ahead;
                        break;
                    }
                }
            }

            map[j] = Math.Min(i, Math.Max(0, prepared.Length - 1));
            if (i < prepared.Length)
            {
                i++;
            }
        }

        map[normalized.Length] = prepared.Length;
        return map;
    }

    private int ModelId(int pieceId) => pieceId == _tokenizer.UnknownId ? _unknownId : pieceId + _idOffset;

    /// <summary>Tab and line breaks to spaces, then the manifest's lower-casing and accent folding: all one character for one.</summary>
    private string Prepare(string text)
    {
        var folded = Tokenizer.StripAccents ? AccentFolding.Fold(text) : text;
        if (!Tokenizer.Lowercase && folded.AsSpan().IndexOfAny('\t', '\n', '\r') < 0)
        {
            return folded;
        }

        return string.Create(folded.Length, (folded, Tokenizer.Lowercase), static (span, state) =>
        {
            var (source, lowercase) = state;
            for (var i = 0; i < source.Length; i++)
            {
                var c = source[i];
                span[i] = c is '\t' or '\n' or '\r' ? ' ' : lowercase ? char.ToLowerInvariant(c) : c;
            }
        });
    }
}
