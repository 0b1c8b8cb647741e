using System.Text.Json;

namespace Partages.NodeAgent.ReleaseGate;

/// <summary>
/// The node's own record of what it released: one JSON line per payload in
/// <c>&lt;data_directory&gt;/audit/releases.jsonl</c> — time, run, SHA-256 and size, never the content.
/// </summary>
public sealed class ReleaseAuditLog(string directory, TimeProvider timeProvider)
{
    private readonly Lock _gate = new();

    public string FilePath => Path.Combine(directory, "releases.jsonl");

    public void Append(ReleasedPayload payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        var line = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["released_at"] = timeProvider.GetUtcNow().ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["run_id"] = payload.RunId,
            ["result_sha256"] = payload.Sha256,
            ["bytes"] = payload.ByteCount,
        });
        lock (_gate)
        {
            Directory.CreateDirectory(directory);
            File.AppendAllText(FilePath, line + "\n");
        }
    }
}
