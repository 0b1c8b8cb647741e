using System.Text.Json;

namespace Partages.NodeAgent.Health;

/// <summary>
/// The status file's format and its atomic write. A fixed, flat schema written field by field (no reflection,
/// nothing but what <see cref="AgentStatusDocument"/> holds), timestamps in UTC ISO 8601 with milliseconds:
/// <code>
/// {"state":"connected","since":"…Z","updated_at":"…Z","last_heartbeat_at":"…Z"|null,"active_runs":0,"heartbeat_seconds":10,"agent_version":"0.1.0"}
/// </code>
/// </summary>
public static class AgentStatusFile
{
    public const string FileName = "status.json";

    private const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    private static readonly JsonWriterOptions WriterOptions = new() { Indented = true };

    public static string PathFor(NodeConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return Path.Combine(config.DataDirectory, FileName);
    }

    /// <summary>Writes a temporary file beside <paramref name="path"/> and renames it over: a reader sees the old file or the new one, never half of one.</summary>
    /// <exception cref="IOException">The folder is missing or the file cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The agent may not write there.</exception>
    public static void Write(string path, AgentStatusDocument status)
    {
        ArgumentNullException.ThrowIfNull(path);
        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, Serialize(status));
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Reads the file, or null when there is none (the agent has not written it yet).</summary>
    /// <exception cref="InvalidDataException">The file is not a status document.</exception>
    /// <exception cref="IOException">The file exists but cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">The file may not be read.</exception>
    public static AgentStatusDocument? TryRead(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        return Parse(bytes);
    }

    public static byte[] Serialize(AgentStatusDocument status)
    {
        ArgumentNullException.ThrowIfNull(status);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("state", StateName(status.State));
            json.WriteString("since", Format(status.Since));
            json.WriteString("updated_at", Format(status.UpdatedAt));
            if (status.LastHeartbeatAt is { } heartbeat)
            {
                json.WriteString("last_heartbeat_at", Format(heartbeat));
            }
            else
            {
                json.WriteNull("last_heartbeat_at");
            }

            json.WriteNumber("active_runs", status.ActiveRuns);
            if (status.HeartbeatInterval is { } interval)
            {
                json.WriteNumber("heartbeat_seconds", Math.Round(interval.TotalSeconds, 3));
            }

            json.WriteString("agent_version", status.AgentVersion);
            json.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    /// <exception cref="InvalidDataException">Not JSON, or a required field is missing or malformed.</exception>
    public static AgentStatusDocument Parse(ReadOnlySpan<byte> utf8)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8.ToArray());
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"not JSON ({ex.Message})", ex);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException("not a JSON object");
            }

            return new AgentStatusDocument(
                ParseState(RequiredString(root, "state")),
                RequiredTimestamp(root, "since"),
                RequiredTimestamp(root, "updated_at"),
                OptionalTimestamp(root, "last_heartbeat_at"),
                root.TryGetProperty("active_runs", out var runs) && runs.TryGetInt32(out var count) ? count : 0,
                root.TryGetProperty("heartbeat_seconds", out var seconds) && seconds.TryGetDouble(out var value) && value > 0 ? TimeSpan.FromSeconds(value) : null,
                root.TryGetProperty("agent_version", out var version) && version.ValueKind == JsonValueKind.String ? version.GetString() ?? "" : "");
        }
    }

    public static string StateName(AgentState state) => state switch
    {
        AgentState.Connecting => "connecting",
        AgentState.Connected => "connected",
        AgentState.Disconnected => "disconnected",
        AgentState.Stopped => "stopped",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    /// <summary>UTC, ISO 8601, milliseconds: the form the file and the health messages use.</summary>
    public static string Format(DateTimeOffset timestamp) =>
        timestamp.UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture);

    private static AgentState ParseState(string name) => name switch
    {
        "connecting" => AgentState.Connecting,
        "connected" => AgentState.Connected,
        "disconnected" => AgentState.Disconnected,
        "stopped" => AgentState.Stopped,
        _ => throw new InvalidDataException($"unknown state '{name}'"),
    };

    private static string RequiredString(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new InvalidDataException($"'{name}' is missing or not a string");

    private static DateTimeOffset RequiredTimestamp(JsonElement root, string name) =>
        OptionalTimestamp(root, name) ?? throw new InvalidDataException($"'{name}' is missing");

    private static DateTimeOffset? OptionalTimestamp(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String && value.TryGetDateTimeOffset(out var timestamp)
            ? timestamp
            : throw new InvalidDataException($"'{name}' is not an ISO 8601 timestamp");
    }
}
