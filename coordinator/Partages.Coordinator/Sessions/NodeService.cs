using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Partages.Coordinator.Artifacts;
using Partages.Coordinator.Audit;
using Partages.Coordinator.Auth;
using Partages.Coordinator.Hosting;
using Partages.Coordinator.Results;
using Partages.Coordinator.Scheduling;

namespace Partages.Coordinator.Sessions;

/// <summary>
/// The node plane. Every call must come from an enrolled, non-revoked node, proved by its client certificate
/// (<see cref="NodeCertificates"/>, the node policy).
/// Session: hello first, then a welcome (with the node's audit anchor) and the node's offers; the node's messages drive
/// its runs' states.
/// </summary>
[Authorize(Policy = CoordinatorPolicies.Node)]
[GrpcRefusal("A node client certificate is required; enroll the node first.")]
public sealed partial class NodeService(
    RunScheduler scheduler,
    AuditAnchors auditAnchors,
    ArtifactTransfer artifacts,
    Pki.CertificateRenewal renewal,
    Pki.CertificateAuthority authority,
    IOptions<CoordinatorOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<NodeService> logger) : Partages.Contracts.V1.NodeService.NodeServiceBase
{
    public override async Task Session(IAsyncStreamReader<NodeMessage> requestStream, IServerStreamWriter<CoordinatorMessage> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requestStream);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        var node = NodeIdentity.Of(context);
        var callEnded = context.CancellationToken;
        var stopping = lifetime.ApplicationStopping;
        if (stopping.IsCancellationRequested)
        {
            // Between the stop signal and Kestrel closing its port: not registered, told to come back later.
            throw StreamShutdown.Unavailable();
        }

        if (!await requestStream.MoveNext(callEnded).ConfigureAwait(false))
        {
            return;
        }

        if (requestStream.Current.KindCase != NodeMessage.KindOneofCase.Hello)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"The first message of a session must be a hello, not {requestStream.Current.KindCase}."));
        }

        using var session = new NodeSession(node);
        session.TrySend(new CoordinatorMessage
        {
            Welcome = new Welcome
            {
                NodeId = node.Id,
                NodeName = node.Name,
                HeartbeatIntervalSeconds = options.Value.HeartbeatIntervalSeconds,
                LeaseSeconds = options.Value.LeaseSeconds,
                // Read before the hello's own head is applied: what the node is compared with is what it had sent before.
                AuditAnchor = await auditAnchors.ReadAsync(node.Id, callEnded).ConfigureAwait(false),
                Trust = authority.Trust(),
            },
        });
        // The session ends when the node hangs up, when a newer session of the node replaces it, or when the
        // coordinator stops (StreamShutdown): the node then reconnects, with its back-off, to whichever answers.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(callEnded, session.Closed, stopping);
        var writer = Task.CompletedTask;
        var revoked = false;
        var shutDown = false;
        try
        {
            // Register and queue the offers first, then start writing: the welcome goes out once the node is
            // known to be online, and always before its offers.
            await scheduler.ConnectAsync(session, requestStream.Current.Hello, callEnded).ConfigureAwait(false);
            writer = WriteOutboxAsync(session, responseStream, stop.Token);
            while (await requestStream.MoveNext(stop.Token).ConfigureAwait(false))
            {
                if (!await scheduler.HandleAsync(session, requestStream.Current, callEnded).ConfigureAwait(false))
                {
                    revoked = true;
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (session.Closed.IsCancellationRequested && !callEnded.IsCancellationRequested)
        {
            Log.SessionReplaced(logger, node.Name);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested && !callEnded.IsCancellationRequested)
        {
            shutDown = true;
            Log.SessionEndedByShutdown(logger, node.Name);
        }
        catch (IOException ex)
        {
            // The node reset its stream (killed, cut off, or it closed a session while a message was in flight): a
            // disconnect like any other, which its runs' leases cover; not a server error.
            Log.SessionReset(logger, node.Name, ex.Message);
        }
        finally
        {
            await scheduler.DisconnectAsync(session, coordinatorStopping: stopping.IsCancellationRequested).ConfigureAwait(false);
            session.Complete();
            await writer.ConfigureAwait(false);
        }

        if (revoked)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, $"Node '{node.Name}' has been revoked or re-enrolled with another certificate."));
        }

        if (shutDown)
        {
            throw StreamShutdown.Unavailable();
        }
    }

    public override async Task DownloadArtifact(DownloadArtifactRequest request, IServerStreamWriter<ArtifactChunk> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var node = NodeIdentity.Of(context);
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        try
        {
            await artifacts.DownloadAsync(request, responseStream, node.Name, ended.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (lifetime.ApplicationStopping.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested
            && ex is OperationCanceledException or IOException or InvalidOperationException)
        {
            // A bundle is hundreds of megabytes: the node resumes from the last chunk it checked, after a restart.
            throw StreamShutdown.Unavailable();
        }
    }

    public override async Task<SubmitResultResponse> SubmitResult(SubmitResultRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var node = NodeIdentity.Of(context);
        var stored = await scheduler.SubmitResultAsync(node, request.RunId, request.ResultJson, request.ResultSha256, ManifestIntake.FromNode(request.Manifest), request.AuditHead, context.CancellationToken).ConfigureAwait(false);
        return new SubmitResultResponse { Stored = stored };
    }

    /// <summary>The caller's own audit anchor: a node sees only its own, identified by its certificate.</summary>
    public override async Task<AuditAnchor> GetAuditAnchor(GetAuditAnchorRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var node = NodeIdentity.Of(context);
        return await auditAnchors.ReadAsync(node.Id, context.CancellationToken).ConfigureAwait(false);
    }

    /// <summary>A new certificate for the calling node's new key (<see cref="Pki.CertificateRenewal"/>).</summary>
    public override Task<RenewCertificateResponse> RenewCertificate(RenewCertificateRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        return renewal.RenewAsync(NodeIdentity.Of(context), request.CsrPem, context.CancellationToken);
    }

    /// <summary>The session's only writer: drains the outbox until it is completed or the call ends.</summary>
    private async Task WriteOutboxAsync(NodeSession session, IServerStreamWriter<CoordinatorMessage> responseStream, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var message in session.Outbox.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await responseStream.WriteAsync(message, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
        {
            Log.WriterStopped(logger, session.NodeName, ex.GetType().Name);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(301, LogLevel.Information, "Session of node {Node} closed: the node opened a newer session.")]
        public static partial void SessionReplaced(ILogger logger, string node);

        [LoggerMessage(302, LogLevel.Debug, "Session writer of node {Node} stopped ({Reason}).")]
        public static partial void WriterStopped(ILogger logger, string node, string reason);

        [LoggerMessage(304, LogLevel.Information, "Session of node {Node} closed: the node reset the stream ({Reason}).")]
        public static partial void SessionReset(ILogger logger, string node, string reason);

        [LoggerMessage(303, LogLevel.Information, "Session of node {Node} closed: the coordinator is stopping (the node reconnects when it is back).")]
        public static partial void SessionEndedByShutdown(ILogger logger, string node);
    }
}
