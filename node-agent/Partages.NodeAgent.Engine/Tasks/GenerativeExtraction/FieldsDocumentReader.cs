using System.Text.Json;
using System.Text.Unicode;
using Partages.Evaluation.Tasks.GenerativeExtraction;
using Partages.NodeAgent.Engine.Datasets;

namespace Partages.NodeAgent.Engine.Tasks.GenerativeExtraction;

/// <summary>
/// Reads a generative extraction dataset: JSON Lines with <c>id</c>, <c>text</c> and <c>fields</c>, an object giving
/// each contract field's gold value (<c>{"id": "…", "text": "…", "fields": {"EGFR": "positif"}}</c>). The gold values
/// come back as <see cref="LabeledDocument.Labels"/>: one index per field, in contract order, into that field's
/// values. Unusable lines are counted by the kinds every reader uses: a field missing is <c>missing_label</c>, a value
/// the contract does not allow <c>unknown_label</c>; extra fields are ignored.
/// </summary>
internal sealed class FieldsDocumentReader : IDocumentReader
{
    private readonly Utf8LineReader _lines;
    private readonly IReadOnlyList<OutputField> _fields;
    private readonly SeenIds _seen = new();

    public FieldsDocumentReader(Stream stream, IReadOnlyList<OutputField> fields, int maxLineBytes)
    {
        _lines = new Utf8LineReader(stream, maxLineBytes);
        _fields = fields;
    }

    public long DocumentsRead { get; private set; }

    public SkipTally Skipped { get; } = new();

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

            if (!JsonlDocumentReader.HasContent(line))
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

    private string? Classify(ReadOnlySpan<byte> line, out LabeledDocument document)
    {
        document = default;
        if (!Utf8.IsValid(line))
        {
            return SkipKinds.InvalidUtf8;
        }

        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(line.ToArray());
        }
        catch (JsonException)
        {
            return SkipKinds.MalformedJson;
        }

        using (json)
        {
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("text", out var text) || text.ValueKind != JsonValueKind.String
                || (root.TryGetProperty("id", out var id) && id.ValueKind is not (JsonValueKind.String or JsonValueKind.Null)))
            {
                return SkipKinds.MalformedJson;
            }

            var body = text.GetString()!;
            if (string.IsNullOrWhiteSpace(body))
            {
                return SkipKinds.EmptyText;
            }

            if (!root.TryGetProperty("fields", out var gold) || gold.ValueKind != JsonValueKind.Object)
            {
                return SkipKinds.MissingLabel;
            }

            var indices = new int[_fields.Count];
            for (var f = 0; f < _fields.Count; f++)
            {
                if (!gold.TryGetProperty(_fields[f].Name, out var value) || value.ValueKind != JsonValueKind.String)
                {
                    return SkipKinds.MissingLabel;
                }

                indices[f] = _fields[f].Values.ToList().IndexOf(value.GetString()!);
                if (indices[f] < 0)
                {
                    return SkipKinds.UnknownLabel;
                }
            }

            var identifier = root.TryGetProperty("id", out var given) && given.ValueKind == JsonValueKind.String ? given.GetString() : null;
            if (identifier is not null && !_seen.Add(identifier))
            {
                return SkipKinds.DuplicateId;
            }

            document = new LabeledDocument(body, -1, indices) { Id = identifier };
            return null;
        }
    }
}
