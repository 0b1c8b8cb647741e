using System.Text.Encodings.Web;
using System.Text.Json;

namespace Partages.NodeAgent.Engine.LocalMode;

/// <summary>
/// Writes local mode's predictions file: one JSON object per line,
/// <c>{"id": "...", "gold": ["..."], "pred": ["..."], "scores": {"label": p, ...}}</c>, labels in the spec's order,
/// probabilities as the model gave them (not rounded to the score grid); for entity recognition
/// <c>{"id": "...", "gold": [[start, end, "LABEL"], ...], "pred": [[start, end, "LABEL"], ...]}</c> (Unicode code point
/// offsets, end exclusive, as the datasets write them). The file holds per-document data: it is
/// created readable by its owner only, stays on this disk, and nothing in the agent sends it anywhere.
/// </summary>
public sealed class JsonlPredictionWriter : IPredictionSink, IDisposable
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // A local file for the hospital's data scientists: French labels and ids stay readable, not \u-escaped.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    private readonly Stream _stream;
    private readonly Utf8JsonWriter _writer;

    public JsonlPredictionWriter(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _writer = new Utf8JsonWriter(stream, WriterOptions);
    }

    public long Written { get; private set; }

    /// <summary>Creates (or replaces) <paramref name="path"/>, owner read/write only where the platform has modes.</summary>
    public static JsonlPredictionWriter Create(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return new JsonlPredictionWriter(new FileStream(path, options));
    }

    public void Write(DocumentPrediction prediction)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        _writer.WriteStartObject();
        _writer.WriteString("id", prediction.Id);
        WriteLabels("gold", prediction.Gold);
        WriteLabels("pred", prediction.Predicted);
        _writer.WriteStartObject("scores");
        foreach (var (label, probability) in prediction.Scores)
        {
            _writer.WriteNumber(label, probability);
        }

        _writer.WriteEndObject();
        _writer.WriteEndObject();
        EndLine();
    }

    private void EndLine()
    {
        _writer.Flush();
        _stream.WriteByte((byte)'\n');
        // A new top-level value after the newline: Reset keeps the writer from adding a separator.
        _writer.Reset(_stream);
        Written++;
    }

    private void WriteSpans(string name, IReadOnlyList<PredictedSpan> spans)
    {
        _writer.WriteStartArray(name);
        foreach (var span in spans)
        {
            _writer.WriteStartArray();
            _writer.WriteNumberValue(span.Start);
            _writer.WriteNumberValue(span.End);
            _writer.WriteStringValue(span.Label);
            _writer.WriteEndArray();
        }

        _writer.WriteEndArray();
    }

    public void Write(EntityPrediction prediction)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        _writer.WriteStartObject();
        _writer.WriteString("id", prediction.Id);
        WriteSpans("gold", prediction.Gold);
        WriteSpans("pred", prediction.Predicted);
        _writer.WriteEndObject();
        EndLine();
    }

    public void Write(GenerationPrediction prediction)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        _writer.WriteStartObject();
        _writer.WriteString("id", prediction.Id);
        WriteFields("gold", prediction.Gold);
        WriteFields("pred", prediction.Predicted);
        _writer.WriteString("output", prediction.Output);
        _writer.WriteString("outcome", prediction.Outcome);
        _writer.WriteBoolean("truncated", prediction.Truncated);
        _writer.WriteEndObject();
        EndLine();
    }

    private void WriteFields(string name, IReadOnlyList<KeyValuePair<string, string>> fields)
    {
        _writer.WriteStartObject(name);
        foreach (var (field, value) in fields)
        {
            _writer.WriteString(field, value);
        }

        _writer.WriteEndObject();
    }

    public void Dispose()
    {
        _writer.Dispose();
        _stream.Dispose();
    }

    private void WriteLabels(string name, IReadOnlyList<string> labels)
    {
        _writer.WriteStartArray(name);
        foreach (var label in labels)
        {
            _writer.WriteStringValue(label);
        }

        _writer.WriteEndArray();
    }
}
