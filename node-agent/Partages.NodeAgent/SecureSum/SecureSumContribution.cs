using Grpc.Core;
using Partages.Evaluation.Results;
using Partages.NodeAgent.Connectivity;
using Partages.NodeAgent.Policy;
using Partages.NodeAgent.ReleaseGate;
using Partages.SecureAggregation;
using Partages.SecureAggregation.Crypto;
using Partages.SecureAggregation.Protocol;
using Wire = Partages.Contracts.V1;

namespace Partages.NodeAgent.SecureSum;

/// <summary>
/// The node's part of a secure sum, called by the release gate for a pooled-only run: the released result (what the
/// gate let out, exactly as a per-site release would be) becomes a count vector (<see cref="SecureSumLayout"/>), and
/// only its masked form leaves, through the five rounds the coordinator relays (<see cref="AggregationClient"/>).
/// A cohort the policy does not accept (an unknown peer, a wrong pin, too few members, an unsafe threshold) is
/// refused: the node tells the coordinator why (Abandon) and the run fails with that reason.
/// </summary>
public sealed partial class SecureSumContribution(
    CoordinatorChannel channel,
    NodeConfig config,
    NodePolicy policy,
    TimeProvider timeProvider,
    ILogger<SecureSumContribution> logger) : IDisposable
{
    // The first round waits for the slowest site's model run; later rounds only for messages.
    private static readonly TimeSpan FirstRoundWait = TimeSpan.FromHours(2);
    private readonly Wire.SecureAggregationService.SecureAggregationServiceClient _client = new(channel.CallInvoker);
    private readonly Lazy<AggregationIdentity> _key = new(() => LoadKey(config, logger));

    /// <summary>The long-term aggregation key, created at the first start (see <see cref="AggregationKeyFile"/>).</summary>
    public AggregationIdentity Key => _key.Value;

    /// <summary>Takes part in the sum of <paramref name="payload"/>'s run; returns when the sum is unmasked.</summary>
    /// <exception cref="EvaluationRefusedException">This node refused the cohort, or the session failed; the message says why.</exception>
    public async Task<Wire.SecureSumOutcome> ContributeAsync(ReleasedPayload payload, IReadOnlyList<string> labels, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentNullException.ThrowIfNull(labels);
        var settings = policy.SecureAggregation
            ?? throw new EvaluationRefusedException("this evaluation is pooled-only and this node's policy has no secure_aggregation peers");
        SecureSumVector vector;
        var released = ResultJson.DeserializeSite(payload.ResultJson);
        try
        {
            vector = SecureSumLayout.Flatten(released, labels, DisclosureControl.KnownSkipKinds);
        }
        catch (InvalidDataException ex)
        {
            throw new EvaluationRefusedException("the released result cannot be laid out for a secure sum: " + ex.Message, ex);
        }

        var runId = payload.RunId;
        var parameters = await CallAsync(runId, () => _client.JoinAsync(
            new Wire.JoinSecureSumRequest { RunId = runId, VectorLength = vector.Counts.Length, LayoutJson = vector.LayoutJson },
            deadline: Deadline(TimeSpan.FromMinutes(1)), cancellationToken: cancellationToken).ResponseAsync).ConfigureAwait(false);
        var roundWait = TimeSpan.FromSeconds(Math.Max(1, parameters.RoundSeconds) * 3 + 30);
        LogJoined(logger, runId, parameters.IntendedCohort.Count, parameters.Threshold, vector.Counts.Length);

        if (released.Release?.DifferentialPrivacy?.NoiseThreshold is { } noiseThreshold)
        {
            // The noise share was calibrated for at least noiseThreshold contributors: fewer could unmask too little noise.
            await RefuseAsync<bool>(runId, () => parameters.Threshold >= noiseThreshold ? true : throw new SecureAggregationException(
                RefusalCode.UnsafeParameters,
                $"the cohort's threshold is {parameters.Threshold}, but this node's noise share needs at least {noiseThreshold} contributors to carry the release's noise"), cancellationToken).ConfigureAwait(false);
        }

        using var client = await RefuseAsync(runId, () => new AggregationClient(config.Name, parameters.ToParameters(), Key, AggregationPolicyReader.ToProtocol(settings)), cancellationToken).ConfigureAwait(false);
        var outcome = (await SecureSumRounds.RunAsync(_client, runId, client, vector.Counts, new NodeSteps(this, logger, runId, roundWait, cancellationToken), stopAfterMasking: false, cancellationToken).ConfigureAwait(false))!;
        if (!outcome.Completed)
        {
            throw new EvaluationRefusedException("the secure sum failed: " + outcome.Reason);
        }

        LogCompleted(logger, runId, outcome.Contributors.Count, outcome.DroppedAfterSharing.Count);
        return outcome;
    }

    public void Dispose()
    {
        if (_key.IsValueCreated)
        {
            _key.Value.Dispose();
        }
    }

    private static AggregationIdentity LoadKey(NodeConfig config, ILogger logger)
    {
        var path = AggregationKeyFile.PathFor(config);
        var key = AggregationKeyFile.LoadOrCreate(path, out var created);
        LogKey(logger, created ? "created" : "loaded", path, key.Pin);
        return key;
    }

    private DateTime Deadline(TimeSpan wait) => timeProvider.GetUtcNow().UtcDateTime + wait;

    /// <summary>A step of the node's own state machine; a refusal is told to the coordinator, then fails the run.</summary>
    private T Refusing<T>(string runId, Func<T> step)
    {
        try
        {
            return step();
        }
        catch (SecureAggregationException ex)
        {
            LogRefused(logger, runId, ex.Code, ex.Message);
            throw new SecureSumRefusal(ex.Code, ex.Message, ex);
        }
    }

    private async Task<T> RefuseAsync<T>(string runId, Func<T> step, CancellationToken cancellationToken)
    {
        try
        {
            return Refusing(runId, step);
        }
        catch (SecureSumRefusal refusal)
        {
            try
            {
                await _client.AbandonAsync(
                    new Wire.AbandonSecureSumRequest { RunId = runId, Code = Wire.SecureSumWire.CodeName(refusal.Code), Reason = refusal.Message },
                    deadline: Deadline(TimeSpan.FromSeconds(30)), cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException ex)
            {
                LogAbandonNotDelivered(logger, runId, ex.StatusCode);
            }

            throw new EvaluationRefusedException($"this node refused the secure sum ({Wire.SecureSumWire.CodeName(refusal.Code)}): {refusal.Message}", refusal);
        }
    }

    private async Task<T> CallAsync<T>(string runId, Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode is not (StatusCode.Cancelled or StatusCode.Unavailable))
        {
            LogCoordinatorRefused(logger, runId, ex.StatusCode, ex.Status.Detail);
            throw new EvaluationRefusedException($"the secure sum did not complete ({ex.StatusCode}): {ex.Status.Detail}", ex);
        }
    }

    /// <summary>The node's steps: a refusal is told to the coordinator (Abandon); the first round waits for the slowest site's model run.</summary>
    private sealed class NodeSteps(SecureSumContribution owner, ILogger logger, string runId, TimeSpan roundWait, CancellationToken cancellationToken) : ISecureSumSteps
    {
        public Task<T> StepAsync<T>(Func<T> step) => owner.RefuseAsync(runId, step, cancellationToken);

        public Task<T> CallAsync<T>(int round, Func<DateTime, AsyncUnaryCall<T>> call) =>
            owner.CallAsync(runId, () => call(owner.Deadline(round == 1 ? FirstRoundWait : roundWait)).ResponseAsync);

        public void Masked(int survivors) => LogMasked(logger, runId, survivors);
    }

    private sealed class SecureSumRefusal(RefusalCode code, string message, Exception inner) : Exception(message, inner)
    {
        public RefusalCode Code { get; } = code;
    }

    [LoggerMessage(EventId = 1400, Level = LogLevel.Information, Message = "Aggregation key {What} ({Path}); its pin, for the peers' policies: {Pin}")]
    private static partial void LogKey(ILogger logger, string what, string path, string pin);

    [LoggerMessage(EventId = 1401, Level = LogLevel.Information, Message = "Run {RunId} joins a secure sum: {Cohort} site(s) intended, threshold {Threshold}, {Length} counts")]
    private static partial void LogJoined(ILogger logger, string runId, int cohort, int threshold, int length);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Information, Message = "Run {RunId}: masked vector sent; {Survivors} member(s) sent theirs")]
    private static partial void LogMasked(ILogger logger, string runId, int survivors);

    [LoggerMessage(EventId = 1403, Level = LogLevel.Information, Message = "Run {RunId}: the secure sum is unmasked over {Contributors} site(s) ({Dropped} dropped after sharing)")]
    private static partial void LogCompleted(ILogger logger, string runId, int contributors, int dropped);

    [LoggerMessage(EventId = 1404, Level = LogLevel.Warning, Message = "Run {RunId}: this node refuses the secure sum ({Code}): {Reason}")]
    private static partial void LogRefused(ILogger logger, string runId, RefusalCode code, string reason);

    [LoggerMessage(EventId = 1405, Level = LogLevel.Warning, Message = "Run {RunId}: the coordinator ended the secure sum ({Status}): {Detail}")]
    private static partial void LogCoordinatorRefused(ILogger logger, string runId, StatusCode status, string detail);

    [LoggerMessage(EventId = 1406, Level = LogLevel.Warning, Message = "Run {RunId}: the refusal could not be told to the coordinator ({Status}); the run fails anyway")]
    private static partial void LogAbandonNotDelivered(ILogger logger, string runId, StatusCode status);
}
