using System.Text.Json;

namespace Partages.NodeAgent.Engine.Datasets;

/// <summary>
/// One JSONL gold entity as read: <c>[Start, End)</c> in code points, its label, and what it may carry besides
/// (docs/datasets.md "Attributes, codes and fragments"): <c>"attributes": {"negation": "true"}</c> (a JSON
/// <c>true</c>/<c>false</c> reads as "true"/"false"), <c>"code": "ICD-O-3:8140/3"</c> (system and code, as brat's
/// <c>N</c> lines), <c>"fragments": [[0, 5], [10, 15]]</c> (a discontinuous entity; start and end are then its covering span).
/// </summary>
internal sealed record JsonlEntity(long Start, long End, string Label)
{
    public List<(string Name, string Value)>? Attributes { get; init; }

    public List<(string System, string Code)>? Codes { get; init; }

    public List<(long Start, long End)>? Fragments { get; init; }
}

/// <summary>Reads the <c>entities</c> array of a JSONL line.</summary>
internal static class JsonlEntities
{
    /// <summary>
    /// Moves to the property's value: an array of objects each with an integer <c>start</c> and <c>end</c>, a string
    /// <c>label</c> and optionally <c>attributes</c>, <c>code</c> and <c>fragments</c> (other members ignored); or null. Anything else fails.
    /// </summary>
    public static bool TryRead(ref Utf8JsonReader reader, out List<JsonlEntity>? entities)
    {
        entities = null;
        var array = JsonlDocumentReader.ReadArrayStart(ref reader);
        if (array is not true)
        {
            return array is false;
        }

        var items = new List<JsonlEntity>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            long? start = null, end = null;
            string? label = null, code = null;
            List<(string, string)>? attributes = null;
            List<(long, long)>? fragments = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var ok = true;
                if (reader.ValueTextEquals("start"u8))
                {
                    ok = start is null && JsonlDocumentReader.TryReadInteger(ref reader, out start);
                }
                else if (reader.ValueTextEquals("end"u8))
                {
                    ok = end is null && JsonlDocumentReader.TryReadInteger(ref reader, out end);
                }
                else if (reader.ValueTextEquals("label"u8))
                {
                    ok = label is null && JsonlDocumentReader.TryReadString(ref reader, out label) && !string.IsNullOrEmpty(label);
                }
                else if (reader.ValueTextEquals("code"u8))
                {
                    // "SYSTEM:CODE", both parts non-empty.
                    ok = code is null && JsonlDocumentReader.TryReadString(ref reader, out code)
                        && (code is null || (code.IndexOf(':', StringComparison.Ordinal) is > 0 and var separator && separator < code.Length - 1));
                }
                else if (reader.ValueTextEquals("attributes"u8))
                {
                    ok = attributes is null && TryReadAttributes(ref reader, out attributes);
                }
                else if (reader.ValueTextEquals("fragments"u8))
                {
                    ok = fragments is null && TryReadFragments(ref reader, out fragments);
                }
                else
                {
                    reader.Skip();
                }

                if (!ok)
                {
                    return false;
                }
            }

            if (start is null || end is null || label is null)
            {
                return false;
            }

            var colon = code?.IndexOf(':', StringComparison.Ordinal) ?? -1;
            items.Add(new JsonlEntity(start.Value, end.Value, label)
            {
                Attributes = attributes,
                Codes = code is null ? null : [(code[..colon], code[(colon + 1)..])],
                Fragments = fragments,
            });
        }

        entities = items;
        return true;
    }

    /// <summary>
    /// The fragments as UTF-16 spans in text order (null for a contiguous entity); false when one is outside the text,
    /// two share a character, or they do not start and end where the entity does.
    /// </summary>
    public static bool TryFragments(JsonlEntity entity, CodePointOffsets offsets, out (int Start, int End)[]? fragments)
    {
        fragments = null;
        if (entity.Fragments is not { Count: > 0 } raw)
        {
            return true;
        }

        var ordered = raw.OrderBy(f => f.Start).ToList();
        if (ordered[0].Start != entity.Start || ordered.Max(f => f.End) != entity.End)
        {
            return false;
        }

        var spans = new (int, int)[ordered.Count];
        for (var i = 0; i < ordered.Count; i++)
        {
            if (!offsets.TryToUtf16(ordered[i].Start, ordered[i].End, out var from, out var to) || (i > 0 && ordered[i].Start < ordered[i - 1].End))
            {
                return false;
            }

            spans[i] = (from, to);
        }

        fragments = spans.Length > 1 ? spans : null;
        return true;
    }

    /// <summary>An object of attribute name to a string or boolean value; null is none.</summary>
    private static bool TryReadAttributes(ref Utf8JsonReader reader, out List<(string, string)>? attributes)
    {
        attributes = null;
        if (!reader.Read())
        {
            return false;
        }

        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        var items = new List<(string, string)>();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            if (!reader.Read() || string.IsNullOrEmpty(name))
            {
                return false;
            }

            string? value = reader.TokenType switch
            {
                JsonTokenType.String => reader.GetString(),
                JsonTokenType.True => "true",
                JsonTokenType.False => "false",
                _ => null,
            };
            if (string.IsNullOrEmpty(value))
            {
                return false;
            }

            items.Add((name, value));
        }

        attributes = items;
        return true;
    }

    /// <summary>An array of [start, end] integer pairs; null is none.</summary>
    private static bool TryReadFragments(ref Utf8JsonReader reader, out List<(long, long)>? fragments)
    {
        fragments = null;
        var array = JsonlDocumentReader.ReadArrayStart(ref reader);
        if (array is not true)
        {
            return array is false;
        }

        var items = new List<(long, long)>();
        while (reader.Read() && reader.TokenType == JsonTokenType.StartArray)
        {
            if (!JsonlDocumentReader.TryReadInteger(ref reader, out var start) || !JsonlDocumentReader.TryReadInteger(ref reader, out var end)
                || !reader.Read() || reader.TokenType != JsonTokenType.EndArray)
            {
                return false;
            }

            items.Add((start!.Value, end!.Value));
        }

        if (reader.TokenType != JsonTokenType.EndArray)
        {
            return false;
        }

        fragments = items;
        return true;
    }
}
