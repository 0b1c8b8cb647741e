using System.Text.Json;
using System.Text.Json.Serialization;

namespace Partages.NodeAgent.Audit;

/// <summary>
/// The last anchor the node received from the coordinator, kept beside the log (<c>audit/anchor.json</c>) so that
/// <c>audit verify</c> can still see a cut end while the coordinator is out of reach. Only a sequence and a hash;
/// whoever can rewrite the log can also rewrite this file, which is why the coordinator's own copy comes first.
/// </summary>
public static class AuditAnchorFile
{
    public const string FileName = "anchor.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Saves the anchor's head (nothing when it has none), replacing the previous file atomically.</summary>
    public static void Save(string auditDirectory, AuditAnchor anchor, DateTimeOffset receivedAt)
    {
        ArgumentException.ThrowIfNullOrEmpty(auditDirectory);
        ArgumentNullException.ThrowIfNull(anchor);
        if (anchor.Head is not { } head)
        {
            return;
        }

        var saved = new SavedAnchor(head.Sequence, head.EntrySha256, anchor.RecordedAt?.ToDateTimeOffset(), receivedAt, anchor.Warning.Length > 0 ? anchor.Warning : null);
        Directory.CreateDirectory(auditDirectory);
        var path = Path.Combine(auditDirectory, FileName);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(saved, Json) + "\n");
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The saved anchor, or null when there is none or it cannot be read (the report says which).</summary>
    public static SavedAnchor? Load(string auditDirectory, out string? problem)
    {
        var path = Path.Combine(auditDirectory, FileName);
        problem = null;
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            var saved = JsonSerializer.Deserialize<SavedAnchor>(File.ReadAllText(path), Json);
            if (saved is { Sequence: >= 0, EntrySha256.Length: 64 })
            {
                return saved;
            }

            problem = $"{path} does not hold an anchor";
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
        {
            problem = $"{path} cannot be read ({ex.Message})";
        }

        return null;
    }
}

/// <summary>An anchor as saved: the head, when the coordinator recorded it, when the node received it, and any warning the coordinator had.</summary>
public sealed record SavedAnchor(long Sequence, string EntrySha256, DateTimeOffset? RecordedAt, DateTimeOffset ReceivedAt, string? Warning);
