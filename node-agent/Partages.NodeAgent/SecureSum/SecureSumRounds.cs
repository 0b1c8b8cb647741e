using Grpc.Core;
using Partages.SecureAggregation.Protocol;
using Wire = Partages.Contracts.V1;

namespace Partages.NodeAgent.SecureSum;

/// <summary>
/// How a caller runs the two kinds of step of a node's part in a secure sum: its own state machine's steps (checks and
/// crypto: the node turns a refusal into an Abandon; the federation benchmark bounds them to the cores) and its calls
/// to the coordinator (each answered when its round closes: the caller sets the deadline and maps the errors).
/// </summary>
public interface ISecureSumSteps
{
    /// <summary>Runs one step of the node's <see cref="AggregationClient"/>.</summary>
    Task<T> StepAsync<T>(Func<T> step);

    /// <summary>Makes the call of <paramref name="round"/> (1 advertise keys … 5 unmasking) with the deadline the caller chooses.</summary>
    Task<T> CallAsync<T>(int round, Func<DateTime, AsyncUnaryCall<T>> call);

    /// <summary>The masked vector is in; <paramref name="survivors"/> members sent theirs.</summary>
    void Masked(int survivors)
    {
    }
}

/// <summary>
/// The rounds after Join of a node's part in a secure sum, in the protocol's order (docs/secure-aggregation.md): keys
/// advertised, shares sent, the masked vector sent, the consistency signature, the shares revealed. One sequence for
/// the node agent (<see cref="SecureSumContribution"/>) and the federation benchmark's simulated nodes, so what the
/// benchmark measures is what the node does.
/// </summary>
public static class SecureSumRounds
{
    /// <summary>Runs rounds 1 to 5 (or 1 to 3 when <paramref name="stopAfterMasking"/>, as a node killed right after masking).</summary>
    /// <returns>The coordinator's outcome; null when the node stopped after masking.</returns>
    public static async Task<Wire.SecureSumOutcome?> RunAsync(
        Wire.SecureAggregationService.SecureAggregationServiceClient coordinator,
        string runId,
        AggregationClient node,
        long[] counts,
        ISecureSumSteps steps,
        bool stopAfterMasking,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(coordinator);
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentNullException.ThrowIfNull(steps);
        var advertisement = await steps.StepAsync(node.AdvertiseKeys).ConfigureAwait(false);
        var roster = await steps.CallAsync(1, deadline => coordinator.AdvertiseKeysAsync(
            new Wire.AdvertiseKeysRequest { RunId = runId, Advertisement = advertisement.ToMessage() },
            deadline: deadline, cancellationToken: cancellationToken)).ConfigureAwait(false);

        var bundle = await steps.StepAsync(() => node.ShareKeys(roster.ToRecord())).ConfigureAwait(false);
        var shareRequest = new Wire.ShareKeysRequest { RunId = runId };
        shareRequest.Shares.AddRange(bundle.Shares.Select(s => s.ToMessage()));
        var delivery = await steps.CallAsync(2, deadline => coordinator.ShareKeysAsync(shareRequest, deadline: deadline, cancellationToken: cancellationToken)).ConfigureAwait(false);

        var masked = await steps.StepAsync(() => node.MaskInput(delivery.ToRecord(), counts)).ConfigureAwait(false);
        var maskedRequest = new Wire.MaskedInputRequest { RunId = runId, RingBits = masked.RingBits };
        maskedRequest.Vector.AddRange(masked.Vector);
        var survivors = await steps.CallAsync(3, deadline => coordinator.SubmitMaskedInputAsync(maskedRequest, deadline: deadline, cancellationToken: cancellationToken)).ConfigureAwait(false);
        steps.Masked(survivors.Survivors.Count);
        if (stopAfterMasking)
        {
            return null;
        }

        var signature = await steps.StepAsync(() => node.CheckConsistency(survivors.ToRecord())).ConfigureAwait(false);
        var unmasking = await steps.CallAsync(4, deadline => coordinator.SubmitConsistencyAsync(
            new Wire.ConsistencyRequest { RunId = runId, Signature = Google.Protobuf.ByteString.CopyFrom(signature.Signature) },
            deadline: deadline, cancellationToken: cancellationToken)).ConfigureAwait(false);

        var response = await steps.StepAsync(() => node.Unmask(unmasking.ToRecord())).ConfigureAwait(false);
        var reveal = new Wire.UnmaskingRequest { RunId = runId };
        reveal.Shares.AddRange(response.Shares.Select(s => s.ToMessage()));
        return await steps.CallAsync(5, deadline => coordinator.SubmitUnmaskingAsync(reveal, deadline: deadline, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }
}
