using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Partages.Coordinator.Auth;
using Partages.Coordinator.Sessions;
using Partages.SecureAggregation.Protocol;
using Lib = Partages.SecureAggregation.Protocol;

namespace Partages.Coordinator.SecureAggregation;

/// <summary>
/// The secure aggregation rounds for nodes (secure_aggregation.proto): each call names the caller's run, every
/// message is stamped with the caller's certified name (a node cannot speak for another), and each call returns when
/// its round closes. The coordinator relays; it never holds a key that opens a share or a mask.
/// </summary>
[Authorize(Policy = CoordinatorPolicies.Node)]
[GrpcRefusal("A node client certificate is required; enroll the node first.")]
public sealed partial class SecureSumService(SecureSumSessions sessions, ILogger<SecureSumService> logger)
    : Partages.Contracts.V1.SecureAggregationService.SecureAggregationServiceBase
{
    public override async Task<SecureSumParameters> Join(JoinSecureSumRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var node = NodeIdentity.Of(context);
        var session = await sessions.JoinAsync(node, request.RunId, request.VectorLength, request.LayoutJson, context.CancellationToken).ConfigureAwait(false);
        Log.Joined(logger, node.Name, session.EvaluationId, session.IntendedCohort.Count, session.Threshold);
        var parameters = new SecureSumParameters
        {
            SessionId = session.EvaluationId,
            VectorLength = session.VectorLength,
            Threshold = session.Threshold,
            RoundSeconds = session.RoundSeconds,
        };
        parameters.IntendedCohort.AddRange(session.IntendedCohort);
        return parameters;
    }

    public override async Task<KeyRosterMessage> AdvertiseKeys(AdvertiseKeysRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var node = NodeIdentity.Of(context);
        var advertisement = (request.Advertisement ?? throw new RpcException(new Status(StatusCode.InvalidArgument, "advertisement is missing."))).ToRecord();
        if (advertisement.NodeId != node.Name)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"The advertisement names '{advertisement.NodeId}' but the caller is '{node.Name}'."));
        }

        var roster = await sessions.Of(node, request.RunId).AdvertiseAsync(advertisement, context.CancellationToken).ConfigureAwait(false);
        return roster.ToMessage();
    }

    public override async Task<ShareDeliveryMessage> ShareKeys(ShareKeysRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var node = NodeIdentity.Of(context);
        var shares = request.Shares.Select(s => s.ToRecord()).ToList();
        if (shares.FirstOrDefault(s => s.Sender != node.Name) is { } foreign)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"A share names '{foreign.Sender}' as its sender but the caller is '{node.Name}'."));
        }

        var delivery = await sessions.Of(node, request.RunId).ShareAsync(new ShareBundle(node.Name, shares), context.CancellationToken).ConfigureAwait(false);
        return delivery.ToMessage();
    }

    public override async Task<SurvivorListMessage> SubmitMaskedInput(MaskedInputRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var node = NodeIdentity.Of(context);
        var input = new MaskedInput(node.Name, request.RingBits, [.. request.Vector]);
        var survivors = await sessions.Of(node, request.RunId).MaskAsync(input, context.CancellationToken).ConfigureAwait(false);
        return survivors.ToMessage();
    }

    public override async Task<UnmaskingRequestMessage> SubmitConsistency(ConsistencyRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var node = NodeIdentity.Of(context);
        var signature = new ConsistencySignature(node.Name, request.Signature.ToByteArray());
        var unmasking = await sessions.Of(node, request.RunId).ConfirmAsync(signature, context.CancellationToken).ConfigureAwait(false);
        return unmasking.ToMessage();
    }

    public override async Task<SecureSumOutcome> SubmitUnmasking(Partages.Contracts.V1.UnmaskingRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var node = NodeIdentity.Of(context);
        var session = sessions.Of(node, request.RunId);
        var response = new UnmaskingResponse(node.Name, [.. request.Shares.Select(s => s.ToRecord())]);
        await session.UnmaskAsync(response, context.CancellationToken).ConfigureAwait(false);
        var outcome = await session.Finished.WaitAsync(context.CancellationToken).ConfigureAwait(false);
        return Describe(outcome);
    }

    public override Task<SecureSumOutcome> Abandon(AbandonSecureSumRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var node = NodeIdentity.Of(context);
        var session = sessions.Of(node, request.RunId);
        // The reason is the node's own words about peers and counts; kept short, shown to the evaluator.
        var reason = $"{request.Code}: {(request.Reason.Length > 500 ? request.Reason[..500] : request.Reason)}";
        Log.Abandoned(logger, node.Name, session.EvaluationId, reason);
        session.Abandon(node.Name, reason);
        return Task.FromResult(new SecureSumOutcome { Completed = false, Reason = "abandoned by the node" });
    }

    private static SecureSumOutcome Describe(SecureSumOutcomeRecord outcome)
    {
        var message = new SecureSumOutcome { Completed = outcome.Result is not null, Reason = outcome.FailureReason ?? "" };
        if (outcome.Result is { } result)
        {
            message.Contributors.AddRange(result.Contributors);
            message.DroppedAfterSharing.AddRange(result.DroppedAfterSharing);
        }

        return message;
    }

    private static partial class Log
    {
        [LoggerMessage(1410, LogLevel.Information, "Node {Node} joined the secure sum of evaluation {EvaluationId} ({Cohort} site(s) intended, threshold {Threshold}).")]
        public static partial void Joined(ILogger logger, string node, string evaluationId, int cohort, int threshold);

        [LoggerMessage(1411, LogLevel.Warning, "Node {Node} refused the secure sum of evaluation {EvaluationId}: {Reason}")]
        public static partial void Abandoned(ILogger logger, string node, string evaluationId, string reason);
    }
}
