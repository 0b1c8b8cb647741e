using Grpc.Core;
using Partages.NodeAgent.Audit;
using Partages.NodeAgent.Connectivity;

namespace Partages.NodeAgent.ReleaseGate;

/// <summary>Carries a released payload to the coordinator. Its only input is a <see cref="ReleasedPayload"/>.</summary>
public interface IResultTransport
{
    /// <returns>False when the coordinator already had this run's result (a duplicate submission).</returns>
    Task<bool> SubmitAsync(ReleasedPayload payload, CancellationToken cancellationToken);
}

/// <summary>
/// The only code in the agent that calls NodeService.SubmitResult. The audit head goes with the payload (not inside
/// it): taken after the gate wrote the payload's result_released line, so the coordinator anchors that line.
/// </summary>
internal sealed class GrpcResultTransport(CoordinatorChannel channel, AuditAnchoring auditAnchoring) : IResultTransport
{
    private readonly NodeService.NodeServiceClient _client = new(channel.CallInvoker);

    public async Task<bool> SubmitAsync(ReleasedPayload payload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(payload);
        var request = new SubmitResultRequest
        {
            RunId = payload.RunId,
            ResultJson = payload.ResultJson,
            ResultSha256 = payload.Sha256,
            Manifest = payload.Manifest,
            AuditHead = auditAnchoring.CurrentHead(),
        };
        var response = await _client.SubmitResultAsync(
            request,
            deadline: DateTime.UtcNow.AddMinutes(1),
            cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.Stored;
    }
}
