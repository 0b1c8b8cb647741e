using Partages.Coordinator.Sessions;

namespace Partages.Coordinator.Scheduling;

/// <summary>
/// The scheduling entry points the gRPC services call (Evaluators/EvaluationService, Sessions/NodeService), each
/// handed to the part that owns it. Every part changes runs through the <see cref="RunLedger"/>, and runs change state
/// only through their own methods (Persistence/RunEntity.Lifecycle.cs).
/// </summary>
public sealed class RunScheduler(
    EvaluationSubmission submission,
    NodeReconnection reconnection,
    SessionInbox inbox,
    ResultAcceptance results,
    EvaluationCancellation cancellation)
{
    /// <inheritdoc cref="EvaluationSubmission.SubmitAsync"/>
    public Task<string> SubmitAsync(NewEvaluation evaluation, CancellationToken cancellationToken) =>
        submission.SubmitAsync(evaluation, cancellationToken);

    /// <inheritdoc cref="NodeReconnection.ConnectAsync"/>
    public Task ConnectAsync(NodeSession session, NodeHello hello, CancellationToken cancellationToken) =>
        reconnection.ConnectAsync(session, hello, cancellationToken);

    /// <inheritdoc cref="NodeReconnection.DisconnectAsync"/>
    public Task DisconnectAsync(NodeSession session, bool coordinatorStopping = false) =>
        reconnection.DisconnectAsync(session, coordinatorStopping);

    /// <inheritdoc cref="SessionInbox.HandleAsync"/>
    public Task<bool> HandleAsync(NodeSession session, NodeMessage message, CancellationToken cancellationToken) =>
        inbox.HandleAsync(session, message, cancellationToken);

    /// <inheritdoc cref="ResultAcceptance.SubmitResultAsync"/>
    public Task<bool> SubmitResultAsync(NodeIdentity node, string runId, string resultJson, string resultSha256, string manifestJson, AuditHead? auditHead, CancellationToken cancellationToken) =>
        results.SubmitResultAsync(node, runId, resultJson, resultSha256, manifestJson, auditHead, cancellationToken);

    /// <inheritdoc cref="EvaluationCancellation.CancelAsync"/>
    public Task CancelAsync(string evaluationId, string by, string reason, CancellationToken cancellationToken) =>
        cancellation.CancelAsync(evaluationId, by, reason, cancellationToken);
}
