using Grpc.Core;
using Partages.SecureAggregation;
using Partages.SecureAggregation.Protocol;
using Lib = Partages.SecureAggregation.Protocol;

namespace Partages.Coordinator.SecureAggregation;

/// <summary>What a finished (or failed) secure sum leaves behind: the sum and who it covers, or the reason; nothing per site.</summary>
/// <param name="Result">The unmasked sum and its contributors; null when the session failed.</param>
/// <param name="LayoutJson">The layout the sum fills (no figure of any site).</param>
/// <param name="Refusals">Nodes that refused the cohort, with their reason (names and counts only).</param>
public sealed record SecureSumOutcomeRecord(
    AggregationResult? Result,
    string LayoutJson,
    int Threshold,
    IReadOnlyList<string> IntendedCohort,
    string? FailureReason,
    IReadOnlyDictionary<string, string> Refusals)
{
    /// <summary>Per contributor, the datasets its latest hello announced: what the sum is held to (forged counts).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<StoredDataset>>? Announced { get; init; }
}

/// <summary>
/// One evaluation's secure sum at the coordinator: the library's <see cref="AggregationServer"/> (which checks every
/// message) driven round by round. Each node's call waits for its round to close (<see cref="SecureSumRound{TReply}"/>);
/// a round closes when its members have all sent or when its time is up. When the last round closes the sum is
/// unmasked, <see cref="Finished"/> completes, and the server (masked vectors, shares) is dropped.
/// </summary>
internal sealed class SecureSumSession
{
    private readonly Lock _lock = new();
    private readonly AggregationServer _server;
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _roundWait;
    private readonly Dictionary<string, string> _refusals = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource<SecureSumOutcomeRecord> _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SecureSumRound<KeyRoster> _advertise;
    private SecureSumRound<ShareDelivery>? _share;
    private SecureSumRound<SurvivorList>? _mask;
    private SecureSumRound<Lib.UnmaskingRequest>? _consistency;
    private SecureSumRound<bool>? _unmask;

    public SecureSumSession(string evaluationId, IReadOnlyList<string> cohort, string layoutJson, int vectorLength, TimeProvider timeProvider, TimeSpan advertiseWait, TimeSpan roundWait)
    {
        EvaluationId = evaluationId;
        IntendedCohort = cohort;
        LayoutJson = layoutJson;
        VectorLength = vectorLength;
        Threshold = ThresholdFor(cohort.Count);
        _timeProvider = timeProvider;
        _roundWait = roundWait;
        _server = new AggregationServer(new SessionParameters(evaluationId, vectorLength, Threshold));
        _advertise = new SecureSumRound<KeyRoster>("advertise keys", cohort);
        _advertise.StartTimer(timeProvider, advertiseWait, () => Close(CloseAdvertising));
    }

    public string EvaluationId { get; }

    public IReadOnlyList<string> IntendedCohort { get; }

    public string LayoutJson { get; }

    public int VectorLength { get; }

    public int Threshold { get; }

    public int RoundSeconds => (int)Math.Ceiling(_roundWait.TotalSeconds);

    /// <summary>Completes once the sum is unmasked or the session failed.</summary>
    public Task<SecureSumOutcomeRecord> Finished => _finished.Task;

    /// <summary>More than half the intended cohort (so two disjoint groups never both reach it), and at least 2.</summary>
    public static int ThresholdFor(int cohort) => Math.Max(2, (cohort / 2) + 1);

    /// <summary>Whether a node may still join: only while the keys are being advertised.</summary>
    public bool Open
    {
        get
        {
            lock (_lock)
            {
                return !_advertise.Closed;
            }
        }
    }

    public Task<KeyRoster> AdvertiseAsync(KeyAdvertisement advertisement, CancellationToken cancellationToken) =>
        Submit(_advertise, advertisement.NodeId, () => _server.Accept(advertisement), CloseAdvertising, cancellationToken);

    public Task<ShareDelivery> ShareAsync(ShareBundle bundle, CancellationToken cancellationToken) =>
        Submit(Current(_share, "share keys"), bundle.Sender, () => _server.Accept(bundle), CloseSharing, cancellationToken);

    public Task<SurvivorList> MaskAsync(MaskedInput input, CancellationToken cancellationToken) =>
        Submit(Current(_mask, "masked input"), input.Sender, () => _server.Accept(input), CloseMasking, cancellationToken);

    public Task<Lib.UnmaskingRequest> ConfirmAsync(ConsistencySignature signature, CancellationToken cancellationToken) =>
        Submit(Current(_consistency, "consistency check"), signature.Sender, () => _server.Accept(signature), CloseConsistency, cancellationToken);

    public Task<bool> UnmaskAsync(UnmaskingResponse response, CancellationToken cancellationToken) =>
        Submit(Current(_unmask, "unmasking"), response.Sender, () => _server.Accept(response), CloseUnmasking, cancellationToken);

    /// <summary>A site whose run ended without joining: the first round no longer waits for it.</summary>
    public void NotComing(string node)
    {
        bool complete;
        lock (_lock)
        {
            if (_advertise.Closed)
            {
                return;
            }

            _advertise.NoLongerExpect(node);
            complete = _advertise.Complete;
        }

        if (complete)
        {
            Close(CloseAdvertising);
        }
    }

    /// <summary>A node refused the cohort: recorded with its reason, and no round waits for it any more.</summary>
    public void Abandon(string node, string reason)
    {
        lock (_lock)
        {
            _refusals[node] = reason;
        }

        foreach (var (round, close) in Rounds())
        {
            lock (_lock)
            {
                if (round is null || round.Closed)
                {
                    continue;
                }

                round.NoLongerExpect(node);
                if (!round.Complete)
                {
                    continue;
                }
            }

            close();
        }
    }

    private IEnumerable<(ISecureSumRound? Round, Action Close)> Rounds() =>
    [
        (_advertise, () => Close(CloseAdvertising)),
        (_share, () => Close(CloseSharing)),
        (_mask, () => Close(CloseMasking)),
        (_consistency, () => Close(CloseConsistency)),
        (_unmask, () => Close(CloseUnmasking)),
    ];

    private SecureSumRound<T> Current<T>(SecureSumRound<T>? round, string name)
    {
        lock (_lock)
        {
            return round ?? throw new RpcException(new Status(StatusCode.FailedPrecondition, $"The secure sum has not reached the {name} round yet."));
        }
    }

    private async Task<T> Submit<T>(SecureSumRound<T> round, string node, Action accept, Action closeRound, CancellationToken cancellationToken)
    {
        bool complete;
        lock (_lock)
        {
            if (round.Closed)
            {
                throw new RpcException(new Status(StatusCode.DeadlineExceeded, $"The {round.Name} round of the secure sum closed before the message of '{node}' arrived; it is a dropout of that round."));
            }

            try
            {
                accept();
            }
            catch (SecureAggregationException ex)
            {
                throw SecureSumStatus.Refusal(ex);
            }

            round.MarkReceived(node);
            complete = round.Complete;
        }

        if (complete)
        {
            Close(closeRound);
        }

        return await round.ReplyForAsync(node, cancellationToken).ConfigureAwait(false);
    }

    private void Close(Action close)
    {
        lock (_lock)
        {
            try
            {
                close();
            }
            catch (SecureAggregationException ex)
            {
                FailAll(ex.Message);
            }
        }
    }

    private void CloseAdvertising()
    {
        if (_advertise.Closed)
        {
            return;
        }

        var roster = _server.CloseAdvertising();
        _share = Next(new SecureSumRound<ShareDelivery>("share keys", roster.Members.Select(m => m.NodeId)), () => Close(CloseSharing));
        _advertise.Close(_ => roster);
    }

    private void CloseSharing()
    {
        if (_share is not { Closed: false } share)
        {
            return;
        }

        var deliveries = _server.CloseSharing();
        _mask = Next(new SecureSumRound<SurvivorList>("masked input", deliveries.Keys), () => Close(CloseMasking));
        share.Close(node => deliveries[node]);
    }

    private void CloseMasking()
    {
        if (_mask is not { Closed: false } mask)
        {
            return;
        }

        var survivors = _server.CloseMasking();
        _consistency = Next(new SecureSumRound<Lib.UnmaskingRequest>("consistency check", survivors.Survivors), () => Close(CloseConsistency));
        mask.Close(_ => survivors);
    }

    private void CloseConsistency()
    {
        if (_consistency is not { Closed: false } consistency)
        {
            return;
        }

        var request = _server.CloseConsistencyCheck();
        _unmask = Next(new SecureSumRound<bool>("unmasking", request.Signatures.Select(s => s.Sender)), () => Close(CloseUnmasking));
        consistency.Close(_ => request);
    }

    private void CloseUnmasking()
    {
        if (_unmask is not { Closed: false } unmask)
        {
            return;
        }

        var result = _server.Finish();
        unmask.Close(_ => true);
        _finished.TrySetResult(new SecureSumOutcomeRecord(result, LayoutJson, Threshold, IntendedCohort, null, new Dictionary<string, string>(_refusals, StringComparer.Ordinal)));
    }

    private SecureSumRound<T> Next<T>(SecureSumRound<T> round, Action onElapsed)
    {
        round.StartTimer(_timeProvider, _roundWait, onElapsed);
        return round;
    }

    /// <summary>The session failed (fewer than t at some round): every waiting member hears why; no sum exists.</summary>
    private void FailAll(string reason)
    {
        var status = new Status(StatusCode.FailedPrecondition, reason);
        _advertise.Fail(status);
        _share?.Fail(status);
        _mask?.Fail(status);
        _consistency?.Fail(status);
        _unmask?.Fail(status);
        _finished.TrySetResult(new SecureSumOutcomeRecord(null, LayoutJson, Threshold, IntendedCohort, reason, new Dictionary<string, string>(_refusals, StringComparer.Ordinal)));
    }
}
