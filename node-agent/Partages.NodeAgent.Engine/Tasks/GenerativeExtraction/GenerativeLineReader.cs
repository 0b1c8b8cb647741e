using System.Text.Json;
using System.Text.Unicode;
using Partages.NodeAgent.Engine.Datasets;

namespace Partages.NodeAgent.Engine.Tasks.GenerativeExtraction;

/// <summary>
/// The JSON Lines loop the generative tasks' readers share: lines counted (blank ones not), a line too long, not UTF-8,
/// not a JSON object or with an <c>id</c> that is not a string each counted by its kind, a repeated <c>id</c> counted
/// <c>duplicate_id</c>; what a usable line is, and why one is not, is each task's <see cref="Classify"/>.
/// </summary>
internal abstract class GenerativeLineReader : IDocumentReader
{
    private readonly Utf8LineReader _lines;
    private readonly SeenIds _seen = new();

    protected GenerativeLineReader(Stream stream, int maxLineBytes) => _lines = new Utf8LineReader(stream, maxLineBytes);

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
            var skip = Read(line, out document);
            if (skip is null)
            {
                return true;
            }

            Skipped.Add(skip);
        }

        document = default;
        return false;
    }

    /// <summary>The task's reading of one JSON object line: null and the document when usable, else the skip kind.</summary>
    protected abstract string? Classify(JsonElement root, out LabeledDocument document);

    private string? Read(ReadOnlySpan<byte> line, out LabeledDocument document)
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
            if (root.ValueKind != JsonValueKind.Object || (root.TryGetProperty("id", out var id) && id.ValueKind is not (JsonValueKind.String or JsonValueKind.Null)))
            {
                return SkipKinds.MalformedJson;
            }

            if (Classify(root, out document) is { } skip)
            {
                return skip;
            }

            var identifier = id.ValueKind == JsonValueKind.String ? id.GetString() : null;
            if (identifier is not null && !_seen.Add(identifier))
            {
                document = default;
                return SkipKinds.DuplicateId;
            }

            document = document with { Id = identifier };
            return null;
        }
    }
}
