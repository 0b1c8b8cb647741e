using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Partages.NodeAgent.Admission;

/// <summary>Where a job waiting for a person stands (the <c>state</c> of its job file).</summary>
public static class JobStates
{
    public const string AwaitingApproval = "awaiting_approval";
    public const string Running = "running";
    public const string AwaitingPayloadApproval = "awaiting_payload_approval";
    public const string Released = "released";
    public const string Rejected = "rejected";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static bool IsWaiting(string state) => state is AwaitingApproval or AwaitingPayloadApproval;
}

/// <summary>The two approvals of a manual job: before the run, and of the payload before it leaves.</summary>
public enum ApprovalStage
{
    Run,
    Payload,
}

/// <summary>
/// <c>&lt;data_directory&gt;/jobs/&lt;run_id&gt;.json</c>: what a job will run and where it stands, written by the agent
/// for <c>jobs list/show</c>. Names, hashes and the spec only — never a report.
/// </summary>
public sealed record JobTicket
{
    public required string RunId { get; init; }

    public required string EvaluationId { get; init; }

    public required string State { get; init; }

    public required DateTimeOffset RequestedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public required JobSpecInfo Spec { get; init; }

    public required JobBundleInfo Bundle { get; init; }

    public required JobDatasetInfo Dataset { get; init; }

    /// <summary>The payload that would leave, once the run is done (its bytes are in <see cref="JobFiles.PayloadPath"/>).</summary>
    public JobPayloadInfo? Payload { get; init; }

    /// <summary>Why the job ended as it did (rejected, failed), when it did.</summary>
    public string? Outcome { get; init; }
}

public sealed record JobSpecInfo(string Name, string Task, string Sha256, string Yaml);

/// <summary><see cref="Signer"/>: how the bundle is trusted as far as the offer says (the signature is checked after download).</summary>
public sealed record JobBundleInfo(string Sha256, long SizeBytes, string Signer);

public sealed record JobDatasetInfo(string Name, string Fingerprint, string LegalBasis, long Documents);

public sealed record JobPayloadInfo(string Sha256, int Bytes);

/// <summary>
/// A person's decision, written by <c>jobs approve|reject</c> as <c>&lt;run_id&gt;.&lt;stage&gt;-decision.json</c>. It names
/// the hashes the person saw, so an approval applies to exactly that spec, bundle and payload.
/// </summary>
public sealed record OperatorDecision
{
    public required string Stage { get; init; }

    public required bool Approve { get; init; }

    public required string By { get; init; }

    public string? Reason { get; init; }

    public required DateTimeOffset At { get; init; }

    public string? SpecSha256 { get; init; }

    public string? BundleSha256 { get; init; }

    public string? PayloadSha256 { get; init; }
}

/// <summary>The file layout of <c>&lt;data_directory&gt;/jobs/</c>, shared by the agent and the <c>jobs</c> commands.</summary>
public static class JobFiles
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Directory(NodeConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return Path.Combine(config.DataDirectory, "jobs");
    }

    public static string TicketPath(string directory, string runId) => Path.Combine(directory, SafeName(runId) + ".json");

    /// <summary>Exactly the bytes that would be sent (UTF-8 results JSON), for the operator to read and hash.</summary>
    public static string PayloadPath(string directory, string runId) => Path.Combine(directory, SafeName(runId) + ".payload.json");

    public static string DecisionPath(string directory, string runId, ApprovalStage stage) =>
        Path.Combine(directory, SafeName(runId) + (stage == ApprovalStage.Run ? ".run-decision.json" : ".payload-decision.json"));

    public static string StageName(ApprovalStage stage) => stage == ApprovalStage.Run ? "run" : "payload";

    public static JobTicket? ReadTicket(string path) => Read<JobTicket>(path);

    public static OperatorDecision? ReadDecision(string path) => Read<OperatorDecision>(path);

    public static IReadOnlyList<JobTicket> ReadAll(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
        {
            return [];
        }

        return [.. System.IO.Directory.EnumerateFiles(directory, "*.json")
            .Where(f => !f.EndsWith("-decision.json", StringComparison.Ordinal) && !f.EndsWith(".payload.json", StringComparison.Ordinal))
            .Select(ReadTicket)
            .OfType<JobTicket>()
            .OrderByDescending(t => t.RequestedAt)];
    }

    /// <summary>Written beside, then renamed over: a reader (the agent, a command) never sees half a file.</summary>
    public static void WriteAtomically(string path, string text)
    {
        var directory = Path.GetDirectoryName(path)!;
        System.IO.Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(temporary, text);
        File.Move(temporary, path, overwrite: true);
    }

    public static void Write<T>(string path, T value) => WriteAtomically(path, JsonSerializer.Serialize(value, Json) + "\n");

    /// <summary>Run ids come from the coordinator: a file name is made of their safe characters only.</summary>
    public static string SafeName(string runId)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        return new string([.. runId.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_')]);
    }

    private static T? Read<T>(string path)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path), Json);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }
}
