using System.Text.Json;
using System.Text.Unicode;

namespace Partages.NodeAgent.Engine.Datasets;

/// <summary>
/// Streams labelled documents out of a JSONL dataset, one line in memory at a time. Each line is an object with a
/// string <c>id</c> and <c>text</c> and the gold annotation the run needs (<see cref="GoldKind"/>):
/// <list type="bullet">
/// <item><c>"label": "BLSE"</c> (single-label);</item>
/// <item><c>"labels": ["BLSE", "SARM"]</c> (multi-label; <c>[]</c> is a document with no label; a label listed twice counts once);</item>
/// <item><c>"entities": [{"start": 0, "end": 4, "label": "GERME"}]</c>: <c>[start, end)</c> in Unicode code points
/// of <c>text</c>, as Python slices it; a span outside the text or empty is <c>offset_out_of_range</c>, two spans
/// sharing a character are <c>overlapping_span</c>, and either sets the whole document aside, since a flat tagger
/// cannot be scored fairly against gold it cannot represent.</item>
/// </list>
/// Fields the run does not need are ignored, whatever they hold. A line that cannot be evaluated is counted under
/// its <see cref="SkipKinds">kind</see> and the read goes on; blank lines are layout, neither read nor skipped.
/// Ids are kept only as keyed hashes, to spot duplicates.
/// </summary>
internal sealed class JsonlDocumentReader : IDocumentReader
{
    private readonly Utf8LineReader _lines;
    private readonly Dictionary<string, int> _labels;
    private readonly GoldKind _gold;
    private readonly SeenIds _seenIds = new();

    private readonly QualifierResolver _qualifiers;

    // Notes of the current line, kept only if the line is evaluated.
    private readonly List<string> _notes = [];

    public JsonlDocumentReader(Stream stream, IReadOnlyList<string> labels, int maxLineBytes, GoldKind gold = GoldKind.SingleLabel, QualifierResolver? qualifiers = null)
    {
        _qualifiers = qualifiers ?? QualifierResolver.None;
        ArgumentNullException.ThrowIfNull(labels);
        _gold = gold;
        _lines = new Utf8LineReader(stream, maxLineBytes);
        _labels = labels.Select((label, index) => (label, index)).ToDictionary(p => p.label, p => p.index, StringComparer.Ordinal);
    }

    /// <summary>Lines with content so far, whether evaluated or skipped.</summary>
    public long DocumentsRead { get; private set; }

    public SkipTally Skipped { get; } = new();

    /// <summary>
    /// Every problem of every set-aside line, each kind once per line; the line is in <see cref="Skipped"/> once, under
    /// the first. Local: never released, so one report moves the released skip counts by one unit (docs/release-gate.md).
    /// </summary>
    public SkipTally Problems { get; } = new();

    /// <summary>Notes on evaluated lines' entities (<see cref="AnnotationNotes"/>): fragments, attributes and codes not evaluated. Local: never released.</summary>
    public SkipTally Notes { get; } = new();

    // Problems of the current line's entities after its first, which is the skip kind.
    private readonly List<string> _laterProblems = [];

    /// <summary>The next usable document, counting every unusable line on the way. False at the end of the dataset.</summary>
    public bool TryRead(out LabeledDocument document)
    {
        while (_lines.ReadLine(out var line, out var tooLong))
        {
            if (tooLong)
            {
                DocumentsRead++;
                Skipped.Add(SkipKinds.LineTooLong);
                Problems.Add(SkipKinds.LineTooLong);
                continue;
            }

            if (!HasContent(line))
            {
                continue;
            }

            DocumentsRead++;
            _laterProblems.Clear();
            _notes.Clear();
            var skip = Classify(line, out document);
            if (skip is null)
            {
                _notes.ForEach(Notes.Add);
                return true;
            }

            Skipped.Add(skip);
            foreach (var problem in _laterProblems.Prepend(skip).Distinct(StringComparer.Ordinal))
            {
                Problems.Add(problem);
            }
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

        if (!TryParse(line, _gold, out var fields))
        {
            return SkipKinds.MalformedJson;
        }

        var goldMissing = _gold switch
        {
            GoldKind.SingleLabel => string.IsNullOrEmpty(fields.Label),
            GoldKind.MultiLabel => fields.Labels is null,
            _ => fields.Entities is null,
        };
        if (goldMissing)
        {
            return SkipKinds.MissingLabel;
        }

        if (string.IsNullOrWhiteSpace(fields.Text))
        {
            return SkipKinds.EmptyText;
        }

        var skip = _gold switch
        {
            GoldKind.SingleLabel => ResolveLabel(fields.Text, fields.Label!, out document),
            GoldKind.MultiLabel => ResolveLabels(fields.Text, fields.Labels!, out document),
            _ => ResolveEntities(fields.Text, fields.Entities!, out document),
        };
        if (skip is not null)
        {
            return skip;
        }

        if (!_seenIds.Add(fields.Id))
        {
            document = default;
            return SkipKinds.DuplicateId;
        }

        document = document with { Id = fields.Id };
        return null;
    }

    private string? ResolveLabel(string text, string label, out LabeledDocument document)
    {
        document = default;
        if (!_labels.TryGetValue(label, out var index))
        {
            return SkipKinds.UnknownLabel;
        }

        document = new LabeledDocument(text, index);
        return null;
    }

    private string? ResolveLabels(string text, List<string> labels, out LabeledDocument document)
    {
        document = default;
        var indices = new SortedSet<int>();
        foreach (var label in labels)
        {
            if (!_labels.TryGetValue(label, out var index))
            {
                return SkipKinds.UnknownLabel;
            }

            indices.Add(index);
        }

        document = new LabeledDocument(text, -1, [.. indices]);
        return null;
    }

    private string? ResolveEntities(string text, List<JsonlEntity> entities, out LabeledDocument document)
    {
        document = default;
        // Every entity is checked, whatever the others hold, so each problem of the line is counted (the first is its skip kind).
        var problems = new List<string>();
        var spans = new List<EntitySpan>(entities.Count);
        var offsets = new CodePointOffsets(text);
        foreach (var entity in entities)
        {
            if (!_labels.TryGetValue(entity.Label, out var index))
            {
                problems.Add(SkipKinds.UnknownLabel);
            }
            else if (!offsets.TryToUtf16(entity.Start, entity.End, out var from, out var to)
                || !JsonlEntities.TryFragments(entity, offsets, out var fragments))
            {
                problems.Add(SkipKinds.OffsetOutOfRange);
            }
            else
            {
                var raw = new RawQualifiers { Fragments = fragments };
                raw.Attributes.AddRange(entity.Attributes ?? []);
                raw.Codes.AddRange(entity.Codes ?? []);
                if (fragments is not null)
                {
                    _notes.Add(AnnotationNotes.DiscontinuousSpan);
                }

                spans.Add(new EntitySpan(from, to, index) { Qualifiers = _qualifiers.Resolve(raw, problems, _notes) });
            }
        }

        var sorted = spans.ToArray();
        if (EntitySpans.SortAndFindOverlap(sorted))
        {
            problems.Add(SkipKinds.OverlappingSpan);
        }

        if (problems.Count > 0)
        {
            _laterProblems.AddRange(problems.Skip(1));
            return problems[0];
        }

        document = new LabeledDocument(text, -1, Entities: sorted);
        return null;
    }

    /// <summary>
    /// One JSON object whose <c>id</c> and <c>text</c> are strings and whose gold field (<c>label</c>, <c>labels</c> or
    /// <c>entities</c>, as <paramref name="gold"/> asks), when present, has the right type or is null. Other
    /// properties are ignored; a property given twice makes the line ambiguous, hence malformed.
    /// </summary>
    private static bool TryParse(ReadOnlySpan<byte> line, GoldKind gold, out JsonlFields fields)
    {
        fields = default;
        string? id = null, text = null, label = null;
        List<string>? labels = null;
        List<JsonlEntity>? entities = null;
        var seenGold = false;
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
                    if (id is not null || !TryReadString(ref reader, out id) || id is null)
                    {
                        return false;
                    }
                }
                else if (reader.ValueTextEquals("text"u8))
                {
                    if (text is not null || !TryReadString(ref reader, out text) || text is null)
                    {
                        return false;
                    }
                }
                else if (IsGoldField(ref reader, gold))
                {
                    var ok = gold switch
                    {
                        GoldKind.SingleLabel => TryReadString(ref reader, out label),
                        GoldKind.MultiLabel => TryReadStringArray(ref reader, out labels),
                        _ => JsonlEntities.TryRead(ref reader, out entities),
                    };
                    if (seenGold || !ok)
                    {
                        return false;
                    }

                    seenGold = true;
                }
                else
                {
                    reader.Skip();
                }
            }

            // Anything after the object's end (a second object, stray text) makes Read throw or return true.
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read() || id is null || text is null)
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

        fields = new JsonlFields(id, text, label, labels, entities);
        return true;
    }

    private static bool IsGoldField(ref Utf8JsonReader reader, GoldKind gold) => gold switch
    {
        GoldKind.SingleLabel => reader.ValueTextEquals("label"u8),
        GoldKind.MultiLabel => reader.ValueTextEquals("labels"u8),
        _ => reader.ValueTextEquals("entities"u8),
    };

    /// <summary>Moves to the property's value: true at the start of an array, false on null, null on anything else (a failure).</summary>
    internal static bool? ReadArrayStart(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            return null;
        }

        return reader.TokenType switch
        {
            JsonTokenType.StartArray => true,
            JsonTokenType.Null => false,
            _ => null,
        };
    }

    /// <summary>Moves to the property's value: an array of strings (returned) or null; any other value fails.</summary>
    private static bool TryReadStringArray(ref Utf8JsonReader reader, out List<string>? values)
    {
        values = null;
        var array = ReadArrayStart(ref reader);
        if (array is not true)
        {
            return array is false;
        }

        var items = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.String || reader.GetString() is not { Length: > 0 } item)
            {
                return false;
            }

            items.Add(item);
        }

        values = items;
        return true;
    }

    internal static bool TryReadInteger(ref Utf8JsonReader reader, out long? value)
    {
        value = null;
        if (!reader.Read() || reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var number))
        {
            return false;
        }

        value = number;
        return true;
    }

    /// <summary>Moves to the property's value: a string (returned) or null (returned as null); any other type fails.</summary>
    internal static bool TryReadString(ref Utf8JsonReader reader, out string? value)
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

    private readonly record struct JsonlFields(string Id, string Text, string? Label, List<string>? Labels, List<JsonlEntity>? Entities);
}
