using Grpc.Core;
using Partages.Evaluation.Privacy;
using Partages.Evaluation.Results;
using Partages.NodeAgent.Audit;
using Partages.NodeAgent.Connectivity;
using Partages.NodeAgent.Policy;

namespace Partages.NodeAgent.ReleaseGate;

/// <summary>
/// The single place every outgoing result passes through. It takes a <see cref="ResultDocument"/> (aggregates
/// only: no per-document data can be expressed), holds it to the node policy's disclosure rules
/// (<see cref="DisclosureControl"/>: minimum dataset size, k, differential privacy with the dataset's ε budget),
/// answers a repeated identical request with the result already released (<see cref="ReleaseCache"/>), refuses a
/// payload over the size limit, serializes it with <see cref="ResultJson"/>, hashes the bytes, records the hash in
/// the audit log and the log (never the content), and submits it. SubmitResult is idempotent, so a failed
/// submission is retried with back-off until it lands, the coordinator refuses it, or the run is cancelled.
/// Every refusal is an <see cref="EvaluationRefusedException"/> whose message is the reason the coordinator gets,
/// and an audit line (<c>release_refused</c>). docs/release-gate.md describes each rule.
/// </summary>
public sealed partial class ResultReleaseGate(
    IResultTransport transport,
    IAuditLog audit,
    PrivacyAccountant accountant,
    ReleaseCache cache,
    ICountNoise noise,
    IEvaluationEngine engine,
    AgentOptions options,
    TimeProvider timeProvider,
    NodePolicy policy,
    ILogger<ResultReleaseGate> logger,
    CoordinatorLinkBreaker? linkBreaker = null,
    SecureSum.SecureSumContribution? secureSum = null)
{
    /// <summary>The audit event of a result the gate refused to release.</summary>
    public const string RefusedEvent = "release_refused";

    // One release decision at a time: two identical requests must not both miss the cache and draw noise twice,
    // and two releases of one dataset must not both pass the budget check before either is charged.
    private readonly Lock _serial = new();

    /// <summary>
    /// Applies every release rule and returns the payload <see cref="SubmitAsync"/> would send; in manual approval
    /// this is what the operator is shown. A differentially private release has spent its ε once this returns.
    /// </summary>
    /// <exception cref="EvaluationRefusedException">A rule refuses the release; the message is the reason.</exception>
    public async Task<ReleasedPayload> PrepareAsync(ReleaseRequest request, ResultDocument result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(result);
        var datasetPolicy = policy.FindDataset(request.Dataset.Name);
        // The policy's snapshot fingerprint is the one admission checked the file against; a dataset the policy does not
        // list (admission refuses those, so only a direct caller) is hashed here.
        var fingerprint = datasetPolicy?.SnapshotSha256
            ?? (await engine.InspectAsync(request.Dataset, cancellationToken).ConfigureAwait(false)).Fingerprint;
        var key = ReleaseCache.KeyOf(request.SpecSha256, request.BundleSha256, fingerprint);

        lock (_serial)
        {
            return Decide(request, result, datasetPolicy, fingerprint, key);
        }
    }

    /// <summary>
    /// The payload already released for this very request (same spec, bundle and snapshot), or null. Admission asks
    /// this before anything runs: a repeated request is answered without running the model.
    /// </summary>
    public ReleasedPayload? TryRepeat(ReleaseRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.DatasetFingerprint is not { } fingerprint)
        {
            return null;
        }

        lock (_serial)
        {
            if (cache.Find(ReleaseCache.KeyOf(request.SpecSha256, request.BundleSha256, fingerprint)) is not { } previous)
            {
                return null;
            }

            var repeat = ReleasedPayload.From(request.RunId, ResultJson.DeserializeSite(previous));
            LogRepeated(logger, request.RunId, repeat.Sha256);
            return repeat;
        }
    }

    private ReleasedPayload Decide(ReleaseRequest request, ResultDocument result, DatasetPolicy? datasetPolicy, string fingerprint, string key)
    {
        try
        {
            if (cache.Find(key) is { } previous)
            {
                var repeat = ReleasedPayload.From(request.RunId, ResultJson.DeserializeSite(previous));
                LogRepeated(logger, request.RunId, repeat.Sha256);
                return repeat;
            }

            var privacy = datasetPolicy?.DifferentialPrivacy ?? DifferentialPrivacyPolicy.Default;
            var rules = new DisclosureRules(policy.Release.MinDatasetDocuments, privacy);
            if (privacy.Enabled)
            {
                // Checked before any noise is drawn; ChargeRelease checks again under the ledger's own lock.
                var spent = accountant.Spent(request.Dataset.Name);
                if (PrivacyAccountant.RefusalOf(request.Dataset.Name, spent.Rho, privacy.RhoPerRelease, privacy.EpsilonBudget, privacy.Delta) is { } refusal)
                {
                    throw new EvaluationRefusedException(refusal);
                }
            }

            var released = request.PooledOnly
                ? DisclosureControl.ApplyPooled(result, rules, NoiseThreshold(policy), new SkellamShareNoise())
                : DisclosureControl.Apply(result, rules, noise);
            var payload = ReleasedPayload.From(request.RunId, released);
            var maxBytes = policy.Limits.MaxPayloadBytes;
            if (payload.ByteCount > maxBytes)
            {
                throw new EvaluationRefusedException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"the result is {payload.ByteCount} bytes, more than this node's limit (limits.max_payload_bytes: {maxBytes}); it was not sent"));
            }

            if (privacy.Enabled)
            {
                accountant.ChargeRelease(request.Dataset.Name, request.RunId, privacy.RhoPerRelease, privacy.EpsilonBudget, privacy.Delta);
            }

            cache.Store(key, payload.ResultJson);
            LogReleased(logger, payload.RunId, payload.Sha256, payload.ByteCount);
            if (released.Release?.DifferentialPrivacy is { NoiseThreshold: { } threshold } share)
            {
                LogPrivateShare(logger, payload.RunId, threshold, share.Epsilon, share.Delta, share.Rho);
            }
            else if (released.Release?.DifferentialPrivacy is { } spentPrivacy)
            {
                LogPrivate(logger, payload.RunId, spentPrivacy.Epsilon, spentPrivacy.Delta, spentPrivacy.Rho);
            }
            else
            {
                LogExact(logger, payload.RunId, request.Dataset.Name);
            }
            return payload;
        }
        catch (EvaluationRefusedException ex)
        {
            audit.Append(new AuditEntry(RefusedEvent)
            {
                RunId = request.RunId,
                Decision = "refused",
                By = "policy",
                Reason = ex.Message,
                BundleSha256 = request.BundleSha256,
                SpecSha256 = request.SpecSha256,
                Dataset = request.Dataset.Name,
                DatasetFingerprint = fingerprint,
            });
            LogRefused(logger, request.RunId, ex.Message);
            throw;
        }
    }

    /// <summary>
    /// The threshold a pooled-only release's noise share is calibrated for, before any cohort is known: the smallest this
    /// node accepts, ⌊m/2⌋ + 1 for its minimum cohort size m (it refuses t ≤ n/2 and n &lt; m). A larger cohort's sum
    /// carries more noise than needed (|U3|/t₀ of it); a hospital expecting large cohorts raises minimum_cohort_size.
    /// </summary>
    /// <exception cref="EvaluationRefusedException">The node's policy has no secure_aggregation block.</exception>
    private static int NoiseThreshold(NodePolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var settings = policy.SecureAggregation
            ?? throw new EvaluationRefusedException("this evaluation is pooled-only and this node's policy has no secure_aggregation peers");
        return (settings.MinimumCohortSize / 2) + 1;
    }

    /// <exception cref="ResultRefusedException">The coordinator answered with a non-transient error.</exception>
    public async Task<SubmitOutcome> SubmitAsync(ReleasedPayload payload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(payload);
        // Recorded (and flushed) before the bytes can leave: in manual approval a prepared payload may never be sent.
        audit.Append(AuditEntry.ResultReleased(payload.RunId, payload.Sha256));
        if (payload.SecureSumLabels is { } labels)
        {
            // A pooled-only evaluation: this payload never leaves; its masked counts go into the secure sum.
            var contribution = secureSum ?? throw new EvaluationRefusedException("this node cannot take part in a secure sum");
            var sum = await contribution.ContributeAsync(payload, labels, cancellationToken).ConfigureAwait(false);
            LogPooled(logger, payload.RunId, payload.Sha256, sum.Contributors.Count);
            return new SubmitOutcome(payload.Sha256, Stored: true);
        }

        var pipeline = ReconnectPipeline.Create(
            options,
            timeProvider,
            IsTransient,
            args =>
            {
                var status = (args.Outcome.Exception as RpcException)?.StatusCode.ToString() ?? "error";
                if (args.AttemptNumber == 0)
                {
                    LogSubmitRetrying(logger, payload.RunId, status);
                }
                else
                {
                    LogSubmitStillFailing(logger, payload.RunId, status, args.AttemptNumber + 1);
                }

                return ValueTask.CompletedTask;
            },
            linkBreaker);
        bool stored;
        try
        {
            stored = await pipeline.ExecuteAsync(
                async ct => await transport.SubmitAsync(payload, ct).ConfigureAwait(false),
                cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("The submission was cancelled.", ex, cancellationToken);
        }
        catch (RpcException ex)
        {
            LogSubmitRefused(logger, payload.RunId, ex.StatusCode, ex.Status.Detail);
            throw new ResultRefusedException(ex.StatusCode, ex.Status.Detail, ex);
        }

        LogSubmitted(logger, payload.RunId, payload.Sha256, stored);
        return new SubmitOutcome(payload.Sha256, stored);
    }

    /// <summary>Prepare, then submit: the usual path for a finished run.</summary>
    /// <exception cref="EvaluationRefusedException">A release rule refuses the result.</exception>
    public async Task<SubmitOutcome> ReleaseAsync(ReleaseRequest request, ResultDocument result, CancellationToken cancellationToken) =>
        await SubmitAsync(await PrepareAsync(request, result, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    private static bool IsTransient(Exception exception) =>
        exception is RpcException
        {
            StatusCode: StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Aborted
                or StatusCode.Internal or StatusCode.Unknown or StatusCode.ResourceExhausted,
        };

    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "Releasing the result of run {RunId}: sha256 {Sha256}, {Bytes} bytes")]
    private static partial void LogReleased(ILogger logger, string runId, string sha256, int bytes);

    [LoggerMessage(EventId = 405, Level = LogLevel.Information, Message = "Run {RunId} repeats a request already released: the same payload goes out again (sha256 {Sha256}), no fresh noise, no ε spent")]
    private static partial void LogRepeated(ILogger logger, string runId, string sha256);

    [LoggerMessage(EventId = 406, Level = LogLevel.Warning, Message = "The release gate refused the result of run {RunId}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string runId, string reason);

    [LoggerMessage(EventId = 407, Level = LogLevel.Information, Message = "Run {RunId}: every count carries discrete Gaussian noise; this release spent ε {Epsilon} (δ {Delta}, zCDP ρ {Rho})")]
    private static partial void LogPrivate(ILogger logger, string runId, double epsilon, double delta, double rho);

    [LoggerMessage(EventId = 410, Level = LogLevel.Information, Message = "Run {RunId}: every count carries this node's share of Skellam noise for a secure sum of at least {Threshold} contributors; this release spent ε {Epsilon} (δ {Delta}, zCDP ρ {Rho}) assuming {Threshold} contributors add their shares")]
    private static partial void LogPrivateShare(ILogger logger, string runId, int threshold, double epsilon, double delta, double rho);

    [LoggerMessage(EventId = 408, Level = LogLevel.Warning, Message = "Run {RunId}: exact counts released, because the policy switches differential privacy off for dataset {Dataset}")]
    private static partial void LogExact(ILogger logger, string runId, string dataset);

    [LoggerMessage(EventId = 409, Level = LogLevel.Information, Message = "Result of run {RunId} (sha256 {Sha256}) added into a secure sum over {Sites} site(s); it was not sent")]
    private static partial void LogPooled(ILogger logger, string runId, string sha256, int sites);

    [LoggerMessage(EventId = 401, Level = LogLevel.Information, Message = "Result of run {RunId} (sha256 {Sha256}) submitted; stored now: {Stored}")]
    private static partial void LogSubmitted(ILogger logger, string runId, string sha256, bool stored);

    [LoggerMessage(EventId = 402, Level = LogLevel.Warning, Message = "Submitting the result of run {RunId} failed ({Status}); retrying with back-off until it lands")]
    private static partial void LogSubmitRetrying(ILogger logger, string runId, string status);

    [LoggerMessage(EventId = 403, Level = LogLevel.Debug, Message = "Submitting the result of run {RunId} failed again ({Status}), attempt {Attempt}")]
    private static partial void LogSubmitStillFailing(ILogger logger, string runId, string status, int attempt);

    [LoggerMessage(EventId = 404, Level = LogLevel.Error, Message = "The coordinator refused the result of run {RunId} ({Status}): {Detail}")]
    private static partial void LogSubmitRefused(ILogger logger, string runId, StatusCode status, string detail);
}

public sealed record SubmitOutcome(string Sha256, bool Stored);

/// <summary>The coordinator refused a result with a non-transient status; retrying would not help.</summary>
public sealed class ResultRefusedException : Exception
{
    public ResultRefusedException(StatusCode statusCode, string detail, Exception innerException)
        : base($"the coordinator refused the result ({statusCode}): {detail}", innerException) => StatusCode = statusCode;

    public ResultRefusedException()
    {
    }

    public ResultRefusedException(string message)
        : base(message)
    {
    }

    public ResultRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public StatusCode StatusCode { get; }
}
