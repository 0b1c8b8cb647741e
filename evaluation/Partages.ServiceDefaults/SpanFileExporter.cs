using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using OpenTelemetry;

namespace Partages.Telemetry;

/// <summary>
/// Writes each finished span as one JSON line: <c>{trace_id, span_id, parent_span_id, name, source, kind, start,
/// duration_ms, status, tags}</c>. For tests, and for hospital IT without a collector (<c>jq</c> reads it).
/// One writer for the coordinator and the node agent (registered by <see cref="TelemetryDefaults"/>), so both write
/// the format docs/observability.md describes.
/// </summary>
/// <remarks>
/// Each line is flushed as soon as its span ends: the processes are often killed rather than stopped, and a
/// span must not be lost in a buffer. Tags are written as the spans carry them; the spans themselves are built
/// to hold ids, hashes and counts only, never report text.
/// </remarks>
public sealed class SpanFileExporter : BaseExporter<Activity>
{
    private readonly Lock _gate = new();
    private readonly StreamWriter _writer;

    public SpanFileExporter(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        if (System.IO.Path.GetDirectoryName(Path) is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
        }

        // Shared read so operators can tail the file while the process runs; appended across restarts.
        var stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        _writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { AutoFlush = true, NewLine = "\n" };
    }

    public string Path { get; }

    /// <summary>
    /// The processor to register: a simple (not batching) one over this exporter, so each span is written when it
    /// ends and a killed process loses none; or one that does nothing when no file is configured.
    /// </summary>
    public static BaseProcessor<Activity> Processor(string? path) =>
        string.IsNullOrWhiteSpace(path) ? new NoSpanFile() : new SimpleActivityExportProcessor(new SpanFileExporter(path));

    public override ExportResult Export(in Batch<Activity> batch)
    {
        lock (_gate)
        {
            try
            {
                foreach (var activity in batch)
                {
                    _writer.WriteLine(ToJsonLine(activity));
                }
            }
            catch (IOException)
            {
                // A full disk must not take the process down; the collector-less trace is best effort.
                return ExportResult.Failure;
            }
        }

        return ExportResult.Success;
    }

    /// <summary>One span as the line this exporter writes.</summary>
    public static string ToJsonLine(Activity activity)
    {
        ArgumentNullException.ThrowIfNull(activity);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("trace_id", activity.TraceId.ToHexString());
            json.WriteString("span_id", activity.SpanId.ToHexString());
            json.WriteString("parent_span_id", activity.ParentSpanId == default ? "" : activity.ParentSpanId.ToHexString());
            json.WriteString("name", activity.DisplayName);
            json.WriteString("source", activity.Source.Name);
            json.WriteString("kind", activity.Kind.ToString().ToLowerInvariant());
            json.WriteString("start", activity.StartTimeUtc.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
            json.WriteNumber("duration_ms", Math.Round(activity.Duration.TotalMilliseconds, 3));
            json.WriteString("status", activity.Status.ToString().ToLowerInvariant());
            json.WriteStartObject("tags");
            foreach (var (key, value) in activity.TagObjects)
            {
                WriteTag(json, key, value);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    protected override bool OnShutdown(int timeoutMilliseconds)
    {
        lock (_gate)
        {
            _writer.Flush();
        }

        return true;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lock (_gate)
            {
                _writer.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    private static void WriteTag(Utf8JsonWriter json, string key, object? value)
    {
        switch (value)
        {
            case null:
                json.WriteNull(key);
                break;
            case bool b:
                json.WriteBoolean(key, b);
                break;
            case ulong u:
                json.WriteNumber(key, u);
                break;
            case int or long or short or byte or uint or ushort or sbyte:
                json.WriteNumber(key, Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case double or float or decimal:
                json.WriteNumber(key, Convert.ToDouble(value, CultureInfo.InvariantCulture));
                break;
            default:
                json.WriteString(key, Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }
}

/// <summary>Stands in for the span-file processor when none is configured (processors are registered before options are read).</summary>
internal sealed class NoSpanFile : BaseProcessor<Activity>
{
}
