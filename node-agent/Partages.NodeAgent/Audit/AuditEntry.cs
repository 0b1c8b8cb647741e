namespace Partages.NodeAgent.Audit;

/// <summary>The events of the node's audit log (docs/hospital-it.md lists what each records).</summary>
public static class AuditEvents
{
    public const string AgentStarted = "agent_started";
    public const string PolicyLoaded = "policy_loaded";
    public const string JobReceived = "job_received";
    public const string JobRejected = "job_rejected";
    public const string ApprovalRequested = "approval_requested";
    public const string JobApproved = "job_approved";
    public const string JobRejectedByOperator = "job_rejected_by_operator";
    public const string RunStarted = "run_started";
    public const string RunFailed = "run_failed";
    public const string RunCancelled = "run_cancelled";
    public const string PayloadApproved = "payload_approved";
    public const string ResultReleased = "result_released";

    /// <summary>A dataset's lifetime ε budget differs from the one granted at the last start (a raise is the hospital's explicit act).</summary>
    public const string PrivacyBudgetChanged = "privacy_budget_changed";

    /// <summary>
    /// The agent's signature over the chain's head (the line before it), with the node's enrolled key: written at each
    /// start and every <see cref="AuditLog.CheckpointInterval"/> entries, so a log rewritten without that key fails
    /// <c>audit verify</c> (AuditVerifier).
    /// </summary>
    public const string Checkpoint = "checkpoint";

    /// <summary>The agent asks the coordinator for a new certificate (reason: which certificate, why now).</summary>
    public const string CertificateRenewalRequested = "certificate_renewal_requested";

    /// <summary>A renewed certificate and its new key are stored; the agent uses them from its next connection.</summary>
    public const string CertificateRenewed = "certificate_renewed";

    /// <summary>A renewal attempt failed (decision: retry, or stopped when the coordinator refused for good).</summary>
    public const string CertificateRenewalFailed = "certificate_renewal_failed";

    /// <summary>The CAs the agent trusts changed: a CA learned from the coordinator during a rotation, or one retired.</summary>
    public const string TrustChanged = "trust_changed";
}

/// <summary>
/// One fact for the audit log: what happened, to which run, decided by whom, on which bundle, spec and snapshot.
/// Hashes and names only — never report text, never a payload. <see cref="IAuditLog"/> adds seq, time and the chain.
/// </summary>
public sealed record AuditEntry(string Event)
{
    public string? RunId { get; init; }

    public string? EvaluationId { get; init; }

    /// <summary>approved, rejected, refused…</summary>
    public string? Decision { get; init; }

    /// <summary>Who decided: an operator's name, or "policy" for automatic decisions.</summary>
    public string? By { get; init; }

    /// <summary>Why (a refusal, a rejection, a failure); the same text the coordinator is told.</summary>
    public string? Reason { get; init; }

    public string? BundleSha256 { get; init; }

    /// <summary>The trusted signer of the bundle, when known.</summary>
    public string? BundleSigner { get; init; }

    public string? SpecSha256 { get; init; }

    public string? SpecName { get; init; }

    public string? Dataset { get; init; }

    public string? DatasetFingerprint { get; init; }

    public string? LegalBasis { get; init; }

    /// <summary>SHA-256 of the payload that leaves (or would leave) the node.</summary>
    public string? PayloadSha256 { get; init; }

    /// <summary>SHA-256 of the policy file's bytes (policy_loaded).</summary>
    public string? PolicySha256 { get; init; }

    /// <summary>The agent's version (agent_started).</summary>
    public string? AgentVersion { get; init; }

    /// <summary>
    /// checkpoint: base64 of the node key's signature (Partages.Contracts.AuditHeadSignature) over the previous line's
    /// seq and hash, which chain every line before it.
    /// </summary>
    public string? Signature { get; init; }

    /// <summary>checkpoint: the signing certificate (base64 DER), so the line can be checked after a re-enrollment changed the key.</summary>
    public string? SignerCertificate { get; init; }

    /// <summary>The line the release gate writes for each payload it hands to the coordinator.</summary>
    public static AuditEntry ResultReleased(string runId, string payloadSha256) =>
        new(AuditEvents.ResultReleased) { RunId = runId, PayloadSha256 = payloadSha256 };
}

/// <summary>An entry as written: its place in the chain and the hash the next line links to.</summary>
public sealed record AuditRecord(long Seq, DateTimeOffset At, AuditEntry Entry, string PrevHash, string Hash);

/// <summary>
/// The node's append-only, hash-chained audit log. Every part of the agent that decides or releases writes through it;
/// appends are serialized and flushed to disk before <see cref="Append"/> returns.
/// </summary>
public interface IAuditLog
{
    /// <summary>Appends the entry as the next line of the chain and returns it as written.</summary>
    /// <exception cref="IOException">The line could not be written durably; the caller must not go on as if it were.</exception>
    AuditRecord Append(AuditEntry entry);
}
