using System.Text.Json;

namespace Partages.Testing;

/// <summary>One line of a span file written by the coordinator's or the node agent's span exporter.</summary>
public sealed record SpanLine(string TraceId, string SpanId, string ParentSpanId, string Name, string Source, IReadOnlyDictionary<string, string> Tags)
{
    public string? Tag(string name) => Tags.GetValueOrDefault(name);

    /// <summary>The complete lines of <paramref name="file"/> (none when it does not exist yet).</summary>
    public static IReadOnlyList<SpanLine> ReadAll(string file)
    {
        if (!File.Exists(file))
        {
            return [];
        }

        // The writer shares the file for reading while it appends: a line still being written is skipped (it is read
        // whole next time), and an empty line does not end the read.
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        var spans = new List<SpanLine>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || !line.EndsWith('}'))
            {
                continue;
            }

            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            spans.Add(new SpanLine(
                root.GetProperty("trace_id").GetString()!,
                root.GetProperty("span_id").GetString()!,
                root.GetProperty("parent_span_id").GetString()!,
                root.GetProperty("name").GetString()!,
                root.GetProperty("source").GetString()!,
                root.GetProperty("tags").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ToString(), StringComparer.Ordinal)));
        }

        return spans;
    }
}
