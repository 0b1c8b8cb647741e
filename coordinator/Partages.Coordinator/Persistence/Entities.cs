namespace Partages.Coordinator.Persistence;

/// <summary>
/// An enrolled hospital node. Its identity is the SHA-256 of its current client certificate, which changes through its
/// own methods (NodeEntity.Certificates.cs).
/// </summary>
public sealed partial class NodeEntity
{
    public required string Id { get; set; }
    public required string Name { get; set; }
    public required string CertificateSha256 { get; set; }
    public required string CertificatePem { get; set; }
    public DateTimeOffset CertificateNotAfter { get; set; }
    public DateTimeOffset EnrolledAt { get; set; }
    public bool Revoked { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
    public DateTimeOffset? LastSeen { get; set; }
    public string AgentVersion { get; set; } = "";
    public string OnnxRuntimeVersion { get; set; } = "";
    /// <summary>The datasets the node announced in its last hello (names, formats, rounded counts, fingerprints), as JSON.</summary>
    public string DatasetsJson { get; set; } = "[]";
    public int MaxConcurrentRuns { get; set; }
    /// <summary>
    /// The node's audit anchor (Audit/AuditAnchors): the latest head of its audit log it signed and the coordinator
    /// accepted — a sequence number and an entry hash, never anything about a report. Null before the first.
    /// </summary>
    public long? AuditHeadSequence { get; set; }
    public string? AuditHeadSha256 { get; set; }
    public byte[]? AuditHeadSignature { get; set; }
    public DateTimeOffset? AuditHeadRecordedAt { get; set; }
    /// <summary>Why the last head the coordinator refused was refused, "" if none ever was; shown on the node in the dashboard and the API.</summary>
    public string AuditWarning { get; set; } = "";
    public DateTimeOffset? AuditWarningAt { get; set; }
    /// <summary>
    /// The certificate a renewal replaced (the one the node renewed with): still accepted until it expires, so a node
    /// that lost the renewal's answer keeps working. Null before the first renewal and after an enrollment.
    /// </summary>
    public string? PreviousCertificateSha256 { get; set; }
    public string? PreviousCertificatePem { get; set; }
    public DateTimeOffset? PreviousCertificateNotAfter { get; set; }
    /// <summary>When the node last renewed its certificate over its session; null if it never did.</summary>
    public DateTimeOffset? CertificateRenewedAt { get; set; }
    /// <summary>The pin (SHA-256) of the CA that issued the current certificate; "" for certificates from before CA rotation.</summary>
    public string CertificateIssuerSha256 { get; set; } = "";
}

/// <summary>
/// The coordinator's audit of node certificates: every enrollment, renewal, refusal and CA rotation step, with the
/// certificate concerned. Append-only; shown to operators, never to evaluators.
/// </summary>
public sealed class CertificateEventEntity
{
    public long Id { get; set; }
    /// <summary>The node concerned; "" for a step of the CA rotation, which concerns every node.</summary>
    public string NodeName { get; set; } = "";
    /// <summary>What happened: enrolled, renewed, renewal-refused, ca-added, ca-issuing, ca-retired.</summary>
    public required string Kind { get; set; }
    public string CertificateSha256 { get; set; } = "";
    public string Detail { get; set; } = "";
    public DateTimeOffset At { get; set; }
}

/// <summary>A one-time enrollment token, bound to a node name; only its SHA-256 is stored.</summary>
public sealed class EnrollmentTokenEntity
{
    public required string TokenSha256 { get; set; }
    public required string NodeName { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? UsedAt { get; set; }
}

/// <summary>An evaluator or dashboard API token; only its SHA-256 is stored. The name is the owner of what it submits.</summary>
public sealed class ApiTokenEntity
{
    public required string Name { get; set; }
    public required string TokenSha256 { get; set; }
    public required ApiRole Role { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

public enum ApiRole
{
    Viewer = 0,
    Evaluator = 1,
    Admin = 2,
}

/// <summary>A content-addressed artifact (a model bundle); the bytes are at <c>artifacts/sha256/&lt;hash&gt;</c>.</summary>
public sealed class ArtifactEntity
{
    public required string Sha256 { get; set; }
    public long SizeBytes { get; set; }
    public string MediaType { get; set; } = "";
    public string UploadedBy { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
}

public enum EvaluationStatus
{
    Running = 1,
    Completed = 2,
    Failed = 3,
    Cancelled = 4,
}

/// <summary>An evaluation; it closes through its own method (EvaluationEntity.Lifecycle.cs).</summary>
public sealed partial class EvaluationEntity
{
    public required string Id { get; set; }
    public required string Name { get; set; }
    public required string SpecYaml { get; set; }
    public required string SpecSha256 { get; set; }
    public required string ModelBundleSha256 { get; set; }
    /// <summary>The evaluator's detached signature over the bundle (a serialized BundleSignature), passed on in every offer; null when unsigned.</summary>
    public byte[]? ModelSignature { get; set; }
    public required string Owner { get; set; }
    public required string Task { get; set; }
    public required string Dataset { get; set; }
    /// <summary>The spec's labels, as a JSON array.</summary>
    public required string LabelsJson { get; set; }
    public int MinSites { get; set; }
    /// <summary>Changed only by <see cref="Close"/>; set when created.</summary>
    public EvaluationStatus Status { get => _status; init => _status = value; }
    public string Reason { get; private set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset Deadline { get; set; }
    public DateTimeOffset? CompletedAt { get; private set; }
    public string PooledResultJson { get; set; } = "";
    public string IncludedSitesJson { get; set; } = "[]";
    public string MissingSitesJson { get; set; } = "[]";
    /// <summary>W3C traceparent of the submission, so offers (even after a reconnect) and results join the evaluation's trace.</summary>
    public string TraceParent { get; set; } = "";
    public List<RunEntity> Runs { get; } = [];
}

public enum RunStatus
{
    Queued = 1,
    Offered = 2,
    Accepted = 3,
    Downloading = 4,
    Running = 5,
    Succeeded = 6,
    Failed = 7,
    Cancelled = 8,
    Rejected = 9,
    AwaitingApproval = 10,
    Offline = 11,
    NotParticipating = 12,
}

/// <summary>One node's share of an evaluation. Its state changes through its own methods (RunEntity.Lifecycle.cs).</summary>
public sealed partial class RunEntity
{
    public required string Id { get; set; }
    public required string EvaluationId { get; set; }
    public required string NodeName { get; set; }
    /// <summary>Changed only through the lifecycle methods (RunEntity.Lifecycle.cs); set directly only when created (tests).</summary>
    public RunStatus Status { get => _status; init => _status = value; }
    public string Reason { get; private set; } = "";
    public long Done { get; private set; }
    public long Total { get; private set; }
    /// <summary>What <see cref="Done"/> and <see cref="Total"/> count, set with them.</summary>
    public RunProgressUnit ProgressUnit { get; private set; }
    /// <summary>How many times the node accepted this run (a node that loses it after a restart gets it again, a bounded number of times).</summary>
    public int Attempts { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }
    /// <summary>Null while queued and once final; otherwise the run fails when this passes without news from the node.</summary>
    public DateTimeOffset? LeaseExpiresAt { get; private set; }
    /// <summary>When the run entered its current waiting state (queued, offline, awaiting approval); null in any other state.</summary>
    public DateTimeOffset? WaitingSince { get; private set; }
    public string ResultJson { get; set; } = "";
    public string ResultSha256 { get; set; } = "";
    /// <summary>The node's part of the reproducibility manifest sent with the result (Results/ManifestIntake), as JSON; "" if none.</summary>
    public string ManifestJson { get; set; } = "";
    /// <summary>
    /// What the read model and the metrics show of <see cref="ResultJson"/> (documents read, ε spent), taken once when
    /// the intake parsed the result; columns <c>Released_DocumentsRead</c> and <c>Released_Epsilon</c>.
    /// </summary>
    public Telemetry.ReleasedFigures Released { get; set; } = Telemetry.ReleasedFigures.None;
    public EvaluationEntity? Evaluation { get; set; }
}

/// <summary>Every state a run went through, with why and when: the audit trail of the run lifecycle.</summary>
public sealed class RunStateHistoryEntity
{
    public long Id { get; set; }
    public required string RunId { get; set; }
    public RunStatus State { get; set; }
    public string Reason { get; set; } = "";
    public DateTimeOffset At { get; set; }
}

/// <summary>A dataset as a node announced it in its hello (kept as JSON on the node row).</summary>
public sealed record StoredDataset(string Name, string Format, long ApproximateDocuments, string Fingerprint);
