using Partages.Evaluation;
using Partages.Evaluation.Specs;
using Partages.NodeAgent.Audit;
using Partages.NodeAgent.Policy;
using Partages.NodeAgent.ReleaseGate;

namespace Partages.NodeAgent.Admission;

/// <summary>A decision on a job: go on, or stop with the reason the coordinator is told.</summary>
public sealed record ApprovalOutcome(bool Approved, string? Reason)
{
    public static ApprovalOutcome Yes { get; } = new(true, null);
}

/// <summary>The first two checks of an offer, neither of which reads anything: the offer and node.yaml, then the policy.</summary>
/// <param name="ByPolicy">A refusal by the node policy (the coordinator hears the category), not a faulty offer (it hears the reason).</param>
public sealed record OfferScreening(EvaluationSpec? Spec, DatasetDefinition? Dataset, string? Refusal, bool ByPolicy)
{
    public bool Passed => Refusal is null && Spec is not null && Dataset is not null;
}

/// <summary>
/// The hospital's control over each job, the admission pipeline in the order the job runner calls it:
/// <list type="number">
/// <item><see cref="Received"/>: the offer is recorded;</item>
/// <item><see cref="Screen"/>: the offer against node.yaml (<see cref="OfferCheck"/>), then against the policy's
/// datasets, tasks and specs (<see cref="PolicyAdmission.CheckOffer"/>), no I/O;</item>
/// <item><see cref="CheckSnapshotAsync"/>: the dataset snapshot, the privacy budget and the query allowance;</item>
/// <item><see cref="ApproveRunAsync"/>: the policy in <c>auto</c> mode, a person in <c>manual</c> mode (<see cref="ApprovalDesk"/>);</item>
/// <item>after the download, <see cref="ModelTrustCheck"/>: the bundle's bytes, pinned or signed by a trusted signer (<see cref="BundleTrust"/>);</item>
/// <item><see cref="ApprovePayloadAsync"/>: in manual mode, the exact payload before it leaves.</item>
/// </list>
/// Refusals are recorded with their reason (<see cref="Refused"/>), as the run's start and end are. Every decision
/// is in the audit log before the agent acts on it.
/// </summary>
public sealed partial class JobAdmission(
    NodeConfig config,
    PolicyAdmission policyAdmission,
    ApprovalDesk desk,
    IAuditLog audit,
    TimeProvider timeProvider,
    ILogger<JobAdmission> logger)
{
    public const string AutoApprover = "policy (approval: auto)";

    /// <summary>What the approver and the audit log read for a task that runs no model (dataset QC).</summary>
    public const string NoModel = "no model: the task reads the dataset only";

    private NodePolicy Policy => policyAdmission.Policy;

    /// <summary>Whether a person approves each run and payload (approval: manual), so the coordinator is told the run waits for them.</summary>
    public bool ManualApproval => Policy.Approval == ApprovalMode.Manual;

    public void Received(JobOffer offer)
    {
        ArgumentNullException.ThrowIfNull(offer);
        audit.Append(new AuditEntry(AuditEvents.JobReceived)
        {
            RunId = offer.RunId,
            EvaluationId = offer.EvaluationId,
            SpecSha256 = offer.SpecSha256,
            BundleSha256 = offer.ModelBundle?.Sha256,
            Dataset = offer.Dataset,
        });
    }

    /// <summary>Records a refusal (by this node's rules, before acceptance).</summary>
    public void Refused(JobOffer offer, string reason)
    {
        ArgumentNullException.ThrowIfNull(offer);
        audit.Append(new AuditEntry(AuditEvents.JobRejected)
        {
            RunId = offer.RunId,
            EvaluationId = offer.EvaluationId,
            Decision = "refused",
            By = "policy",
            Reason = reason,
        });
    }

    /// <summary>The checks that need no I/O: the offer itself and node.yaml's datasets, then the policy (dataset exposed, task, spec).</summary>
    public OfferScreening Screen(JobOffer offer)
    {
        var decision = OfferCheck.Decide(offer, config);
        if (!decision.Accepted || decision.Spec is null || decision.Dataset is null)
        {
            return new OfferScreening(null, null, decision.RejectionReason ?? "the offer could not be checked", ByPolicy: false);
        }

        return policyAdmission.CheckOffer(decision.Spec, decision.Dataset) is { } refusal
            ? new OfferScreening(null, null, refusal, ByPolicy: true)
            : new OfferScreening(decision.Spec, decision.Dataset, null, ByPolicy: false);
    }

    /// <summary>The snapshot checks (fingerprint, size, budget, query allowance). A refusal is not recorded here: the caller rejects and records it.</summary>
    public Task<AdmissionVerdict> CheckSnapshotAsync(DatasetDefinition dataset, OfferIdentity offer, CancellationToken cancellationToken) =>
        policyAdmission.CheckSnapshotAsync(dataset, offer, cancellationToken);

    /// <summary>Auto mode: approved by the policy. Manual mode: the job file is written and the run waits for a person.</summary>
    public async Task<ApprovalOutcome> ApproveRunAsync(JobOffer offer, EvaluationSpec spec, AdmittedSnapshot snapshot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(offer);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(snapshot);
        var signer = DescribeSigner(offer);
        var entry = new AuditEntry(AuditEvents.JobApproved)
        {
            RunId = offer.RunId,
            EvaluationId = offer.EvaluationId,
            SpecSha256 = offer.SpecSha256,
            SpecName = spec.Name,
            // Null for a task that runs no model: the audit line then says so through its signer text.
            BundleSha256 = offer.ModelBundle.Sha256.Length > 0 ? offer.ModelBundle.Sha256 : null,
            BundleSigner = signer,
            Dataset = snapshot.Policy.Name,
            DatasetFingerprint = snapshot.Fingerprint,
            LegalBasis = snapshot.Policy.LegalBasis,
        };
        if (Policy.Approval == ApprovalMode.Auto)
        {
            audit.Append(entry with { Decision = "approved", By = AutoApprover });
            return ApprovalOutcome.Yes;
        }

        var now = timeProvider.GetUtcNow();
        desk.Save(new JobTicket
        {
            RunId = offer.RunId,
            EvaluationId = offer.EvaluationId,
            State = JobStates.AwaitingApproval,
            RequestedAt = now,
            Spec = new JobSpecInfo(spec.Name, spec.Task, offer.SpecSha256, offer.SpecYaml),
            Bundle = new JobBundleInfo(offer.ModelBundle.Sha256, offer.ModelBundle.SizeBytes, signer),
            Dataset = new JobDatasetInfo(snapshot.Policy.Name, snapshot.Fingerprint, snapshot.Policy.LegalBasis, snapshot.Documents),
        });
        audit.Append(entry with { Event = AuditEvents.ApprovalRequested, Decision = "run" });
        LogAwaitingApproval(logger, offer.RunId, spec.Name, snapshot.Policy.Name);

        var decision = await desk.WaitAsync(
            offer.RunId,
            ApprovalStage.Run,
            d => d.SpecSha256 == offer.SpecSha256 && d.BundleSha256 == offer.ModelBundle.Sha256
                ? null
                : "it names another spec or bundle than the job's",
            cancellationToken).ConfigureAwait(false);
        if (decision.Approve)
        {
            audit.Append(entry with { Decision = "approved", By = decision.By, Reason = decision.Reason });
            desk.Update(offer.RunId, t => t with { State = JobStates.Running });
            LogApproved(logger, offer.RunId, "run");
            return ApprovalOutcome.Yes;
        }

        return RejectedByOperator(offer.RunId, offer.EvaluationId, decision, "run", null, "the hospital's operator rejected this job");
    }

    /// <summary>
    /// Manual mode: shows the exact payload (written beside the job file) and waits for its approval, which must name
    /// the payload's SHA-256. Auto mode: approved.
    /// </summary>
    public async Task<ApprovalOutcome> ApprovePayloadAsync(ReleasedPayload payload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(payload);
        if (Policy.Approval == ApprovalMode.Auto)
        {
            return ApprovalOutcome.Yes;
        }

        desk.SavePayload(payload.RunId, payload.ResultJson);
        desk.Update(payload.RunId, t => t with
        {
            State = JobStates.AwaitingPayloadApproval,
            Payload = new JobPayloadInfo(payload.Sha256, payload.ByteCount),
        });
        audit.Append(new AuditEntry(AuditEvents.ApprovalRequested) { RunId = payload.RunId, Decision = "payload", PayloadSha256 = payload.Sha256 });
        LogAwaitingPayloadApproval(logger, payload.RunId, payload.Sha256);

        var decision = await desk.WaitAsync(
            payload.RunId,
            ApprovalStage.Payload,
            d => d.PayloadSha256 == payload.Sha256 ? null : $"it approves payload {d.PayloadSha256}, not {payload.Sha256}",
            cancellationToken).ConfigureAwait(false);
        if (decision.Approve)
        {
            audit.Append(new AuditEntry(AuditEvents.PayloadApproved)
            {
                RunId = payload.RunId,
                Decision = "approved",
                By = decision.By,
                Reason = decision.Reason,
                PayloadSha256 = payload.Sha256,
            });
            LogApproved(logger, payload.RunId, "payload");
            return ApprovalOutcome.Yes;
        }

        return RejectedByOperator(payload.RunId, null, decision, "payload", payload.Sha256, "the hospital's operator withheld the result");
    }

    public void RunStarted(string runId, string dataset, string fingerprint)
    {
        audit.Append(new AuditEntry(AuditEvents.RunStarted) { RunId = runId, Dataset = dataset, DatasetFingerprint = fingerprint });
    }

    /// <summary>The payload was handed to the coordinator (the release gate has recorded result_released).</summary>
    public void Released(string runId) =>
        desk.Update(runId, t => t with { State = JobStates.Released, Outcome = null });

    public void RunFailed(string runId, string reason)
    {
        audit.Append(new AuditEntry(AuditEvents.RunFailed) { RunId = runId, Reason = reason });
        desk.Update(runId, t => t with { State = JobStates.Failed, Outcome = reason });
    }

    public void RunCancelled(string runId)
    {
        audit.Append(new AuditEntry(AuditEvents.RunCancelled) { RunId = runId, Reason = "cancelled by the coordinator" });
        desk.Update(runId, t => t with { State = JobStates.Cancelled, Outcome = "cancelled by the coordinator" });
    }

    /// <summary>What the offer says of the bundle's trust, for the person approving; the signature itself is checked after download.</summary>
    public string DescribeSigner(JobOffer offer)
    {
        ArgumentNullException.ThrowIfNull(offer);
        return offer.ModelBundle is { Sha256.Length: 0 }
            ? NoModel
            : BundleTrust.DescribeOffered(offer.ModelBundle, offer.ModelSignature, Policy.Models);
    }

    private ApprovalOutcome RejectedByOperator(string runId, string? evaluationId, OperatorDecision decision, string stage, string? payloadSha256, string what)
    {
        var reason = string.IsNullOrWhiteSpace(decision.Reason) ? what : $"{what}: {decision.Reason.Trim()}";
        audit.Append(new AuditEntry(AuditEvents.JobRejectedByOperator)
        {
            RunId = runId,
            EvaluationId = evaluationId,
            Decision = $"rejected ({stage})",
            By = decision.By,
            Reason = decision.Reason,
            PayloadSha256 = payloadSha256,
        });
        desk.Update(runId, t => t with { State = JobStates.Rejected, Outcome = reason });
        LogRejectedByOperator(logger, runId, stage);
        return new ApprovalOutcome(false, reason);
    }

    [LoggerMessage(EventId = 820, Level = LogLevel.Information, Message = "Run {RunId} (spec '{SpecName}', dataset '{Dataset}') awaits approval: Partages.NodeAgent jobs show {RunId}")]
    private static partial void LogAwaitingApproval(ILogger logger, string runId, string specName, string dataset);

    [LoggerMessage(EventId = 821, Level = LogLevel.Information, Message = "Run {RunId}: its payload (sha256 {Sha256}) awaits approval before it leaves: Partages.NodeAgent jobs show {RunId}")]
    private static partial void LogAwaitingPayloadApproval(ILogger logger, string runId, string sha256);

    [LoggerMessage(EventId = 822, Level = LogLevel.Information, Message = "Run {RunId}: {Stage} approved by the operator")]
    private static partial void LogApproved(ILogger logger, string runId, string stage);

    [LoggerMessage(EventId = 823, Level = LogLevel.Warning, Message = "Run {RunId}: {Stage} rejected by the operator")]
    private static partial void LogRejectedByOperator(ILogger logger, string runId, string stage);
}
