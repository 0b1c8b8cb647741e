using System.Text.Encodings.Web;
using System.Text.Json;

namespace Partages.ModelKit.Synthetic;

/// <summary>
/// Reads and writes the corpora as JSON Lines: UTF-8 without BOM, "\n" after every document, properties
/// in a fixed order, non-ASCII letters written as themselves. The bytes depend on the documents only.
/// </summary>
public static class Jsonl
{
    // The relaxed encoder writes "é" rather than "\u00E9": the files stay readable by a clinician,
    // and they are data files, never embedded in HTML.
    private static readonly JsonWriterOptions s_writerOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    public static byte[] ToBytes(IEnumerable<AmrReport> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        return WriteLines(reports, static (writer, report) =>
        {
            WriteLabelled(writer, report.Id, report.Text, report.Label);
            if (report.SecondLabel is { } second)
            {
                writer.WriteString("label_b", second);
            }
        });
    }

    public static byte[] ToBytes(IEnumerable<OncologyReport> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        return WriteLines(reports, static (writer, report) =>
        {
            WriteLabelled(writer, report.Id, report.Text, report.Label);
            WriteEntities(writer, "entities", report.Entities);
            if (report.SecondLabel is { } second)
            {
                writer.WriteString("label_b", second);
            }

            if (report.SecondEntities is { } secondEntities)
            {
                WriteEntities(writer, "entities_b", secondEntities);
            }
        });
    }

    private static void WriteEntities(Utf8JsonWriter writer, string name, IReadOnlyList<EntitySpan> entities)
    {
        writer.WriteStartArray(name);
        foreach (var entity in entities)
        {
            writer.WriteStartObject();
            writer.WriteNumber("start", entity.Start);
            writer.WriteNumber("end", entity.End);
            writer.WriteString("label", entity.Label);
            WriteQualifiers(writer, entity);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    /// <summary>An entity's attributes (only those that hold) and code, as docs/datasets.md describes them; nothing for a plain entity.</summary>
    private static void WriteQualifiers(Utf8JsonWriter writer, EntitySpan entity)
    {
        if (entity.Negated || entity.Hypothetical)
        {
            writer.WriteStartObject("attributes");
            if (entity.Negated)
            {
                writer.WriteString("Negation", "true");
            }

            if (entity.Hypothetical)
            {
                writer.WriteString("Hypothesis", "true");
            }

            writer.WriteEndObject();
        }

        if (entity.Code is { } code)
        {
            writer.WriteString("code", OncologyCodes.System + ":" + code);
        }
    }

    /// <summary>The fields every corpus line starts with, whatever else the corpus adds after them.</summary>
    private static void WriteLabelled(Utf8JsonWriter writer, string id, string text, string label)
    {
        writer.WriteString("id", id);
        writer.WriteString("text", text);
        writer.WriteString("label", label);
    }

    public static async Task<IReadOnlyList<AmrReport>> ReadAmrAsync(string path, CancellationToken cancellationToken = default)
    {
        var reports = new List<AmrReport>();
        await foreach (var (root, line) in ReadLinesAsync(path, cancellationToken).ConfigureAwait(false))
        {
            reports.Add(new AmrReport(
                RequiredString(root, "id", path, line),
                RequiredString(root, "text", path, line),
                RequiredString(root, "label", path, line)));
        }

        return reports;
    }

    public static async Task<IReadOnlyList<OncologyReport>> ReadOncologyAsync(string path, CancellationToken cancellationToken = default)
    {
        var reports = new List<OncologyReport>();
        await foreach (var (root, line) in ReadLinesAsync(path, cancellationToken).ConfigureAwait(false))
        {
            var entities = new List<EntitySpan>();
            if (root.TryGetProperty("entities", out var array) && array.ValueKind == JsonValueKind.Array)
            {
                foreach (var entity in array.EnumerateArray())
                {
                    var attributes = entity.TryGetProperty("attributes", out var a) && a.ValueKind == JsonValueKind.Object ? a : default;
                    bool Holds(string name) => attributes.ValueKind == JsonValueKind.Object && attributes.TryGetProperty(name, out var v) && v.GetString() == "true";
                    entities.Add(new EntitySpan(
                        entity.GetProperty("start").GetInt32(),
                        entity.GetProperty("end").GetInt32(),
                        RequiredString(entity, "label", path, line))
                    {
                        Negated = Holds("Negation"),
                        Hypothetical = Holds("Hypothesis"),
                        Code = entity.TryGetProperty("code", out var code) && code.GetString() is { } c ? c[(c.IndexOf(':', StringComparison.Ordinal) + 1)..] : null,
                    });
                }
            }

            reports.Add(new OncologyReport(
                RequiredString(root, "id", path, line),
                RequiredString(root, "text", path, line),
                RequiredString(root, "label", path, line),
                entities));
        }

        return reports;
    }

    private static byte[] WriteLines<T>(IEnumerable<T> items, Action<Utf8JsonWriter, T> writeProperties)
    {
        using var buffer = new MemoryStream();
        foreach (var item in items)
        {
            using (var writer = new Utf8JsonWriter(buffer, s_writerOptions))
            {
                writer.WriteStartObject();
                writeProperties(writer, item);
                writer.WriteEndObject();
            }

            buffer.WriteByte((byte)'\n');
        }

        return buffer.ToArray();
    }

    private static async IAsyncEnumerable<(JsonElement Root, int Line)> ReadLinesAsync(
        string path,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(path, Encoding.UTF8);
        var lineNumber = 0;
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            JsonElement root;
            try
            {
                using var document = JsonDocument.Parse(line);
                root = document.RootElement.Clone();
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"{path}:{lineNumber}: not valid JSON: {ex.Message}", ex);
            }

            yield return (root, lineNumber);
        }
    }

    private static string RequiredString(JsonElement element, string property, string path, int line) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new InvalidDataException($"{path}:{line}: '{property}' is missing or not a string.");
}
