using System.Text.Json;
using System.Text.Json.Serialization;

namespace Partages.Coordinator.ReadModel;

// The read model's views (CoordinatorReadModel): the JSON API serializes them as they are (snake_case, ApiJson), the
// gRPC API maps them to its messages (ProtoViews), the dashboard renders them; so no two of them can disagree about
// a node or a run. The few fields only the protobuf messages carry are [JsonIgnore].

/// <summary>
/// An enrolled node as the API shows it. <see cref="AuditHead"/> is the node's audit anchor: the latest head of its
/// audit log it signed and the coordinator accepted (null before the first); <see cref="AuditWarning"/> the last head
/// the coordinator refused, and why (null if none ever was).
/// </summary>
public sealed record NodeView(
    string Name,
    bool Online,
    bool Revoked,
    DateTimeOffset? LastHeartbeat,
    string AgentVersion,
    string OnnxruntimeVersion,
    IReadOnlyList<DatasetView> Datasets,
    int ActiveRuns,
    int MaxConcurrentRuns,
    DateTimeOffset EnrolledAt,
    DateTimeOffset CertificateNotAfter,
    AuditHeadView? AuditHead,
    AuditWarningView? AuditWarning,
    CertificateView? Certificate = null,
    [property: JsonIgnore] string Id = "");

/// <summary>
/// A node's current certificate: its validity, when the node last renewed it over its session (null: never), the CA
/// that issued it ("" before CA rotation existed), and whether it is close to expiry (<see cref="IsSoon"/>).
/// </summary>
public sealed record CertificateView(DateTimeOffset NotBefore, DateTimeOffset NotAfter, DateTimeOffset? RenewedAt, string IssuerSha256, bool ExpiresSoon)
{
    /// <summary>
    /// Less than a quarter of the lifetime left: a node renews at two thirds by default, so one this late has missed
    /// its renewal (offline, refused, or an agent that does not renew) and needs a look before it stops.
    /// </summary>
    public static bool IsSoon(DateTimeOffset notBefore, DateTimeOffset notAfter, DateTimeOffset now) =>
        notAfter - now < (notAfter - notBefore) / 4;
}

/// <summary>The anchored audit head: the entry's sequence and hash, and when the coordinator accepted it.</summary>
public sealed record AuditHeadView(long Sequence, string EntrySha256, DateTimeOffset? RecordedAt);

/// <summary>Why the coordinator refused a head from the node (sequence going backwards, bad signature, rewritten entry), and when.</summary>
public sealed record AuditWarningView(string Message, DateTimeOffset? At);

/// <summary>A dataset a node exposes; <see cref="ApproximateDocuments"/> is rounded by the node before it leaves.</summary>
public sealed record DatasetView(string Name, string Format, long ApproximateDocuments, string Fingerprint);

/// <summary>One line of the evaluations list; the document counts cover the runs evaluating or succeeded.</summary>
public sealed record EvaluationSummaryView(
    string Id,
    string Name,
    string State,
    string Reason,
    string Owner,
    string Task,
    string Dataset,
    DateTimeOffset CreatedAt,
    DateTimeOffset? CompletedAt,
    int RunsTotal,
    int RunsFinal,
    int RunsSucceeded,
    long DocumentsDone,
    long DocumentsTotal);

/// <summary>
/// An evaluation with its runs, each run's state history, and the pooled result once final: as stored in
/// <see cref="PooledResultJson"/> (what the gRPC API sends), and parsed in <see cref="PooledResult"/> only when read.
/// </summary>
public sealed record EvaluationView(
    string Id,
    string Name,
    string State,
    string Reason,
    string Owner,
    string Task,
    string Dataset,
    IReadOnlyList<string> Labels,
    int MinSites,
    string SpecSha256,
    string ModelBundleSha256,
    DateTimeOffset CreatedAt,
    DateTimeOffset Deadline,
    DateTimeOffset? CompletedAt,
    IReadOnlyList<string> IncludedSites,
    IReadOnlyList<string> MissingSites,
    IReadOnlyList<RunView> Runs,
    [property: JsonIgnore] string PooledResultJson)
{
    public JsonElement? PooledResult
    {
        get
        {
            if (PooledResultJson.Length == 0)
            {
                return null;
            }

            using var document = JsonDocument.Parse(PooledResultJson);
            return document.RootElement.Clone();
        }
    }
}

/// <summary>
/// One node's run. <see cref="Done"/> of <see cref="Total"/> counts <see cref="ProgressUnit"/>: "bytes" of the model
/// bundle while the node downloads it, "documents" once it evaluates (for a succeeded run, the documents its result
/// says it read), "" before either. <see cref="ResultSha256"/> is the SHA-256 of the payload the node released (what
/// its own audit log records); <see cref="Epsilon"/> is the ε its release spent under differential privacy (null
/// before a result, and for exact counts). <see cref="WaitingSince"/> is when the run entered its current waiting state
/// (queued for a busy node, offline, awaiting_approval), null in any other state. <see cref="ResultJson"/> is the
/// released result itself ("" before one), which only the gRPC API sends.
/// </summary>
public sealed record RunView(
    string Id,
    string NodeName,
    string State,
    string Reason,
    long Done,
    long Total,
    string ProgressUnit,
    int Attempts,
    DateTimeOffset UpdatedAt,
    string? ResultSha256,
    double? Epsilon,
    IReadOnlyList<StateChangeView> History,
    DateTimeOffset? WaitingSince = null,
    [property: JsonIgnore] string ResultJson = "");

/// <summary>A state a run entered, when, and why (empty when there is nothing to say).</summary>
public sealed record StateChangeView(string State, string Reason, DateTimeOffset At);

/// <summary>Where a page of evaluations ends: the last one's creation time and id (the list's sort key).</summary>
public sealed record EvaluationKey(DateTimeOffset CreatedAt, string Id);
