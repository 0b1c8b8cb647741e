using Partages.Evaluation.Specs;
using Partages.NodeAgent.Policy;
using Partages.NodeAgent.ReleaseGate;

namespace Partages.NodeAgent.Admission;

/// <summary>The snapshot an admitted job will read, as checked against the policy.</summary>
/// <param name="Repeat">The same spec and bundle were already released on this snapshot: the run answers with those
/// bytes, without running the model, spending no ε and no model run.</param>
public sealed record AdmittedSnapshot(DatasetPolicy Policy, string Fingerprint, long Documents, bool Repeat = false);

/// <summary>What identifies an offer's request: its run, spec and bundle (with the snapshot, the repeat cache's key).</summary>
public sealed record OfferIdentity(string RunId, string SpecSha256, string BundleSha256);

/// <summary>An admission verdict: the snapshot, or the reason the job is refused (a reason only: never data).</summary>
public sealed record AdmissionVerdict(AdmittedSnapshot? Snapshot, string? Reason)
{
    public bool Admitted => Reason is null && Snapshot is not null;
}

/// <summary>
/// What the node policy says of one offer, checked before the node accepts it: the dataset is exposed by the policy,
/// its snapshot still matches the fingerprint the hospital approved, it is large enough, and the task and spec are
/// allowed; then that its privacy budget can still pay for a release and its query allowance for a model run (the
/// run is counted here, before the download: whether a model ran must never depend on the data, so a spent budget
/// refuses before any model runs, not after). Bundle trust (signers, pins) is checked after download, on the bytes
/// themselves.
/// </summary>
public sealed class PolicyAdmission(NodePolicy policy, SnapshotInspector snapshots, PrivacyAccountant accountant, ReleaseCache cache)
{
    public NodePolicy Policy => policy;

    /// <summary>The checks that need no I/O; null when they pass.</summary>
    public string? CheckOffer(EvaluationSpec spec, DatasetDefinition dataset)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(dataset);
        var datasetPolicy = policy.FindDataset(dataset.Name);
        if (datasetPolicy is null)
        {
            return $"dataset '{dataset.Name}' is not exposed by this node's policy";
        }

        if (!policy.AllowsTask(spec.Task))
        {
            return $"task '{spec.Task}' is not allowed by this node's policy (allowed: {(policy.Tasks.Count == 0 ? "none" : string.Join(", ", policy.Tasks))})";
        }

        if (!policy.AllowsSpec(spec.Name))
        {
            return $"spec '{spec.Name}' is not among the specs this node's policy allows";
        }

        if (datasetPolicy.Release == DatasetRelease.PooledOnly && !spec.PooledOnly)
        {
            return $"dataset '{dataset.Name}' is released only into a secure sum (release: pooled_only); this evaluation asks for per-site results";
        }

        if (spec.PooledOnly && policy.SecureAggregation is null)
        {
            return "this evaluation is pooled-only and this node's policy lists no secure_aggregation peers";
        }

        return null;
    }

    /// <summary>
    /// Reads (or recalls) the snapshot's fingerprint and size and compares them with the policy; then the budget and
    /// the query allowance, counting this run against the allowance unless it repeats a released request.
    /// </summary>
    public async Task<AdmissionVerdict> CheckSnapshotAsync(DatasetDefinition dataset, OfferIdentity offer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(offer);
        ArgumentNullException.ThrowIfNull(dataset);
        var datasetPolicy = policy.FindDataset(dataset.Name);
        if (datasetPolicy is null)
        {
            return new AdmissionVerdict(null, $"dataset '{dataset.Name}' is not exposed by this node's policy");
        }

        DatasetInfo info;
        try
        {
            info = await snapshots.InspectAsync(dataset, cancellationToken).ConfigureAwait(false);
        }
        catch (EvaluationRefusedException ex)
        {
            return new AdmissionVerdict(null, $"dataset '{dataset.Name}' cannot be read: {ex.Message}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The exception text names a local path at most; the coordinator is told only that the file is unreadable.
            return new AdmissionVerdict(null, $"dataset '{dataset.Name}' cannot be read on this node");
        }

        if (!string.Equals(info.Fingerprint, datasetPolicy.SnapshotSha256, StringComparison.Ordinal))
        {
            return new AdmissionVerdict(null, $"dataset '{dataset.Name}' is no longer the snapshot the policy approved (its fingerprint changed); the hospital must review it and update snapshot_sha256");
        }

        if (info.DocumentCount < policy.Release.MinDatasetDocuments)
        {
            // The minimum is the hospital's setting, not data; the actual count is not sent.
            return new AdmissionVerdict(null, $"dataset '{dataset.Name}' has fewer documents than this node's minimum for an evaluation ({policy.Release.MinDatasetDocuments})");
        }

        if (cache.Find(ReleaseCache.KeyOf(offer.SpecSha256, offer.BundleSha256, info.Fingerprint)) is not null)
        {
            return new AdmissionVerdict(new AdmittedSnapshot(datasetPolicy, info.Fingerprint, info.DocumentCount, Repeat: true), null);
        }

        try
        {
            var privacy = datasetPolicy.DifferentialPrivacy;
            if (privacy.Enabled
                && PrivacyAccountant.RefusalOf(dataset.Name, accountant.Spent(dataset.Name).Rho, privacy.RhoPerRelease, privacy.EpsilonBudget, privacy.Delta) is { } spent)
            {
                return new AdmissionVerdict(null, spent);
            }

            accountant.ChargeModelRun(dataset.Name, offer.RunId, datasetPolicy.MaxModelRuns);
        }
        catch (EvaluationRefusedException ex)
        {
            return new AdmissionVerdict(null, ex.Message);
        }

        return new AdmissionVerdict(new AdmittedSnapshot(datasetPolicy, info.Fingerprint, info.DocumentCount), null);
    }
}
