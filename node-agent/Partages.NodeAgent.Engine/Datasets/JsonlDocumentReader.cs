using System.Buffers;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Partages.NodeAgent.Engine.Datasets;

/// <summary>
/// Streams labelled documents out of a JSONL dataset (<c>{"id","text","label"}</c> per line), one line in memory
/// at a time. A line that cannot be evaluated is counted under its <see cref="SkipKinds">kind</see> and the read
/// goes on; blank lines are layout, neither read nor skipped. Ids are kept only as keyed hashes, to spot duplicates.
/// </summary>
internal sealed class JsonlDocumentReader
{
    private readonly Utf8LineReader _lines;
    private readonly Dictionary<string, int> _labels;
    // Ids of documents already accepted, as the first 128 bits of HMAC-SHA256 under a key drawn for this run: the
    // set stays small, holds no identifier in clear, and a guessable id cannot be confirmed from a memory dump.
    private readonly HashSet<UInt128> _seenIds = [];
    private readonly byte[] _idKey = RandomNumberGenerator.GetBytes(32);

    public JsonlDocumentReader(Stream stream, IReadOnlyList<string> labels, int maxLineBytes)
    {
        ArgumentNullException.ThrowIfNull(labels);
        _lines = new Utf8LineReader(stream, maxLineBytes);
        _labels = labels.Select((label, index) => (label, index)).ToDictionary(p => p.label, p => p.index, StringComparer.Ordinal);
    }

    /// <summary>Lines with content so far, whether evaluated or skipped.</summary>
    public long DocumentsRead { get; private set; }

    public SkipTally Skipped { get; } = new();

    /// <summary>The next usable document, counting every unusable line on the way. False at the end of the dataset.</summary>
    public bool TryRead(out LabeledDocument document)
    {
        while (_lines.ReadLine(out var line, out var tooLong))
        {
            if (tooLong)
            {
                DocumentsRead++;
                Skipped.Add(SkipKinds.LineTooLong);
                continue;
            }

            if (!HasContent(line))
            {
                continue;
            }

            DocumentsRead++;
            var skip = Classify(line, out document);
            if (skip is null)
            {
                return true;
            }

            Skipped.Add(skip);
        }

        document = default;
        return false;
    }

    internal static bool HasContent(ReadOnlySpan<byte> line) => line.IndexOfAnyExcept(" \t\r\n"u8) >= 0;

    /// <returns>Null for a usable document, else the skip kind.</returns>
    private string? Classify(ReadOnlySpan<byte> line, out LabeledDocument document)
    {
        document = default;
        // Utf8.IsValid is the non-throwing form of decoding with a strict UTF8Encoding: same verdict, no exception per bad line.
        if (!Utf8.IsValid(line))
        {
            return SkipKinds.InvalidUtf8;
        }

        if (!TryParse(line, out var id, out var text, out var label))
        {
            return SkipKinds.MalformedJson;
        }

        if (string.IsNullOrEmpty(label))
        {
            return SkipKinds.MissingLabel;
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            return SkipKinds.EmptyText;
        }

        if (!_labels.TryGetValue(label, out var labelIndex))
        {
            return SkipKinds.UnknownLabel;
        }

        if (!_seenIds.Add(HashId(id)))
        {
            return SkipKinds.DuplicateId;
        }

        document = new LabeledDocument(text, labelIndex);
        return null;
    }

    /// <summary>
    /// One JSON object whose <c>id</c> and <c>text</c> are strings and whose <c>label</c>, when present, is a string
    /// or null. Other properties are ignored; a property given twice makes the line ambiguous, hence malformed.
    /// </summary>
    private static bool TryParse(ReadOnlySpan<byte> line, out string id, out string text, out string? label)
    {
        id = text = "";
        label = null;
        string? foundId = null, foundText = null;
        var seenLabel = false;
        var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = 64 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("id"u8))
                {
                    if (foundId is not null || !TryReadString(ref reader, out foundId) || foundId is null)
                    {
                        return false;
                    }
                }
                else if (reader.ValueTextEquals("text"u8))
                {
                    if (foundText is not null || !TryReadString(ref reader, out foundText) || foundText is null)
                    {
                        return false;
                    }
                }
                else if (reader.ValueTextEquals("label"u8))
                {
                    if (seenLabel || !TryReadString(ref reader, out label))
                    {
                        return false;
                    }

                    seenLabel = true;
                }
                else
                {
                    reader.Skip();
                }
            }

            // Anything after the object's end (a second object, stray text) makes Read throw or return true.
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read() || foundId is null || foundText is null)
            {
                return false;
            }
        }
        catch (JsonException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            // GetString throws this, not JsonException, for an escaped lone surrogate ("\uD800"): valid JSON
            // syntax that is no text, so the line is as unusable as a syntax error.
            return false;
        }

        id = foundId;
        text = foundText;
        return true;
    }

    /// <summary>Moves to the property's value: a string (returned) or null (returned as null); any other type fails.</summary>
    private static bool TryReadString(ref Utf8JsonReader reader, out string? value)
    {
        value = null;
        if (!reader.Read())
        {
            return false;
        }

        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                value = reader.GetString();
                return true;
            case JsonTokenType.Null:
                return true;
            default:
                return false;
        }
    }

    private UInt128 HashId(string id)
    {
        var maxBytes = Encoding.UTF8.GetMaxByteCount(id.Length);
        var rented = ArrayPool<byte>.Shared.Rent(maxBytes);
        try
        {
            var length = Encoding.UTF8.GetBytes(id, rented);
            Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
            HMACSHA256.HashData(_idKey, rented.AsSpan(0, length), mac);
            return MemoryMarshal.Read<UInt128>(mac);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented, clearArray: true);
        }
    }
}
