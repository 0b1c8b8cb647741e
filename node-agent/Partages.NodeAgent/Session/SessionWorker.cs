using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Partages.NodeAgent.Audit;
using Partages.NodeAgent.Connectivity;
using Partages.NodeAgent.Health;
using Partages.NodeAgent.Hosting;
using Partages.NodeAgent.Jobs;
using Partages.Trust.Network;
using Polly;
using Polly.CircuitBreaker;

namespace Partages.NodeAgent.Session;

/// <summary>
/// Owns the Session stream with the coordinator. It only dials out: open the stream, say Hello (versions,
/// datasets with rounded counts, capacity, runs in progress, the signed head of the audit log), wait for Welcome
/// (whose audit anchor is kept and compared with the local log), then heartbeat (each with the audit head), hand offers and
/// cancellations to the <see cref="JobRunner"/> and write what the <see cref="Outbox"/> holds. Any cut is
/// retried forever with exponential back-off and jitter; the outage is logged once; jobs keep running meanwhile.
/// Every change (dial, Welcome, heartbeat sent, disconnection, stop) and a steady timer update the
/// <see cref="AgentStatus"/> file that the <c>health</c> probe reads.
/// </summary>
public sealed partial class SessionWorker(
    CoordinatorChannel channel,
    JobRunner jobs,
    Outbox outbox,
    DatasetCatalog datasets,
    AgentStatus status,
    AgentOptions options,
    CoordinatorLinkBreaker linkBreaker,
    AuditAnchoring auditAnchoring,
    TimeProvider timeProvider,
    ILogger<SessionWorker> logger) : BackgroundService
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(3);

    private readonly Lock _stateGate = new();
    private DateTimeOffset? _outageStartedAt;
    private int _failedAttempts;
    private bool _everConnected;

    // Completed to end the open session cleanly and dial again at once: after a renewal, so the session (and every
    // call after it) runs over a new connection presenting the renewed certificate.
    private TaskCompletionSource _reconnect = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Raised after each Welcome (tests synchronise on it; the node log says the same).</summary>
    public event Action<Welcome>? Welcomed;

    /// <summary>Ends the open session cleanly (messages flushed) and opens a new one without back-off.</summary>
    public void Reconnect() => Volatile.Read(ref _reconnect).TrySetResult();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        status.Starting(jobs.ActiveRunIds.Count);
        var refresh = RefreshStatusAsync(stoppingToken);
        var pipeline = ReconnectPipeline.Create(
            options,
            timeProvider,
            _ => !stoppingToken.IsCancellationRequested,
            args =>
            {
                ReportOutage(args.Outcome.Exception);
                return ValueTask.CompletedTask;
            });

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await pipeline.ExecuteAsync(async ct => await RunSessionAsync(ct).ConfigureAwait(false), stoppingToken).ConfigureAwait(false);
                }
                catch (Exception) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
            }
        }
        finally
        {
            if (stoppingToken.IsCancellationRequested)
            {
                await refresh.ConfigureAwait(false);
            }

            // Also after an unexpected error: the probes must not keep reporting a session that is gone.
            status.Stopped(jobs.ActiveRunIds.Count);
        }

        LogStopped(logger);
    }

    /// <summary>
    /// Rewrites the status file every heartbeat interval whatever the session is doing (dialling, backing off,
    /// connected): its fresh <c>updated_at</c> tells the liveness probe that the process is alive during an outage.
    /// </summary>
    private async Task RefreshStatusAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.HeartbeatInterval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                status.Refresh(jobs.ActiveRunIds.Count);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The agent is stopping; ExecuteAsync writes the final state.
        }
    }

    /// <summary>
    /// One session, from dialling to its end. Returns normally after a healthy session (welcomed, and it lasted
    /// at least one heartbeat) so the next one starts without delay; throws otherwise, so the back-off applies.
    /// The status file records each dial, and the disconnection when the session ends (unless the agent is stopping).
    /// </summary>
    private async Task RunSessionAsync(CancellationToken stoppingToken)
    {
        status.Dialing(jobs.ActiveRunIds.Count);
        try
        {
            await RunOneSessionAsync(stoppingToken).ConfigureAwait(false);
        }
        finally
        {
            if (!stoppingToken.IsCancellationRequested)
            {
                status.Disconnected(jobs.ActiveRunIds.Count);
            }
        }
    }

    private async Task RunOneSessionAsync(CancellationToken stoppingToken)
    {
        var summaries = await datasets.GetSummariesAsync(stoppingToken).ConfigureAwait(false);
        using var callCancellation = new CancellationTokenSource();
        AsyncDuplexStreamingCall<NodeMessage, CoordinatorMessage>? call = null;
        try
        {
            // Only the dial, up to the coordinator's Welcome, goes through the link's circuit breaker: that is where
            // the link shows whether it works, and a session that then lasts for hours must not be the breaker's
            // half-open trial, which would hold every other call (result submissions) out until it ended.
            var welcome = await linkBreaker.Pipeline.ExecuteAsync(
                async ct =>
                {
                    call = channel.OpenSession(callCancellation.Token);
                    await call.RequestStream.WriteAsync(new NodeMessage { Hello = BuildHello(summaries) }).WaitAsync(ct).ConfigureAwait(false);
                    return await ReadWelcomeAsync(call.ResponseStream, ct).ConfigureAwait(false);
                },
                stoppingToken).ConfigureAwait(false);
            var interval = welcome.HeartbeatIntervalSeconds > 0 ? TimeSpan.FromSeconds(welcome.HeartbeatIntervalSeconds) : options.HeartbeatInterval;
            var started = timeProvider.GetTimestamp();
            OnWelcomed(welcome, interval);

            var (ended, reconnecting) = await RunEstablishedAsync(call!, interval, callCancellation, stoppingToken).ConfigureAwait(false);
            if (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            if (reconnecting)
            {
                LogReconnecting(logger);
                return;
            }

            var lasted = timeProvider.GetElapsedTime(started);
            if (lasted < interval)
            {
                throw new SessionLostException($"{ended} after {lasted.TotalSeconds:0.#} s");
            }

            ReportOutage(new SessionLostException(ended));
        }
        finally
        {
            await callCancellation.CancelAsync().ConfigureAwait(false);
            call?.Dispose();
        }
    }

    private async Task<Welcome> ReadWelcomeAsync(IAsyncStreamReader<CoordinatorMessage> responses, CancellationToken stoppingToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(options.WelcomeTimeout);
        bool any;
        try
        {
            any = await responses.MoveNext(timeout.Token).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && !stoppingToken.IsCancellationRequested)
        {
            throw new SessionLostException($"no Welcome within {options.WelcomeTimeout.TotalSeconds:0.#} s");
        }

        if (!any)
        {
            throw new SessionLostException("the coordinator closed the session before its Welcome");
        }

        return responses.Current.Welcome
            ?? throw new SessionLostException($"the coordinator's first message was '{responses.Current.KindCase}', not Welcome");
    }

    /// <summary>Reads, writes and heartbeats until the stream ends or the agent stops; returns why it ended, and whether on <see cref="Reconnect"/>.</summary>
    private async Task<(string Reason, bool Reconnecting)> RunEstablishedAsync(
        AsyncDuplexStreamingCall<NodeMessage, CoordinatorMessage> call,
        TimeSpan heartbeatInterval,
        CancellationTokenSource callCancellation,
        CancellationToken stoppingToken)
    {
        outbox.ResetSessionState();
        using var loops = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var reader = ReadLoopAsync(call.ResponseStream, callCancellation.Token);
        var writer = WriteLoopAsync(call.RequestStream, loops.Token);
        var heartbeat = HeartbeatLoopAsync(heartbeatInterval, loops.Token);
        var stopping = Task.Delay(Timeout.Infinite, loops.Token);
        var reconnect = Volatile.Read(ref _reconnect).Task;

        // Stopping cancels the writer and the heartbeat too, so which task ended first does not tell a stop from a
        // failure: the stopping token does.
        var first = await Task.WhenAny(reader, writer, heartbeat, stopping, reconnect).ConfigureAwait(false);
        var reconnecting = first == reconnect && !stoppingToken.IsCancellationRequested;
        if (reconnecting)
        {
            Volatile.Write(ref _reconnect, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }

        await loops.CancelAsync().ConfigureAwait(false);
        await Quietly(writer).ConfigureAwait(false);
        await Quietly(heartbeat).ConfigureAwait(false);
        await Quietly(stopping).ConfigureAwait(false);

        string reason;
        if (reconnecting)
        {
            await DrainAndCloseAsync(call.RequestStream).ConfigureAwait(false);
            await Quietly(reader.WaitAsync(DrainTimeout)).ConfigureAwait(false);
            reason = "the agent reconnects with its renewed certificate";
        }
        else if (stoppingToken.IsCancellationRequested)
        {
            await DrainAndCloseAsync(call.RequestStream).ConfigureAwait(false);
            // Let the coordinator read what was flushed and end its side: cancelling the call now would reset
            // the stream and could discard messages it has not read yet.
            await Quietly(reader.WaitAsync(DrainTimeout)).ConfigureAwait(false);
            reason = "the agent is stopping";
        }
        else if (first == reader)
        {
            reason = reader.Exception?.InnerException is { } error ? Describe(error) : "the coordinator closed the session";
        }
        else
        {
            reason = first.Exception?.InnerException is { } writeError ? Describe(writeError) : "the session writer stopped";
        }

        await callCancellation.CancelAsync().ConfigureAwait(false);
        await Quietly(reader).ConfigureAwait(false);
        return (reason, reconnecting);
    }

    private async Task ReadLoopAsync(IAsyncStreamReader<CoordinatorMessage> responses, CancellationToken callToken)
    {
        await foreach (var message in responses.ReadAllAsync(callToken).ConfigureAwait(false))
        {
            switch (message.KindCase)
            {
                case CoordinatorMessage.KindOneofCase.Offer:
                    LogOfferReceived(logger, message.Offer.RunId, message.Offer.Dataset);
                    jobs.HandleOffer(message.Offer);
                    break;
                case CoordinatorMessage.KindOneofCase.Cancel:
                    jobs.HandleCancel(message.Cancel);
                    break;
                case CoordinatorMessage.KindOneofCase.Welcome:
                    LogUnexpectedWelcome(logger);
                    break;
                case CoordinatorMessage.KindOneofCase.None:
                default:
                    LogUnknownMessage(logger, message.KindCase.ToString());
                    break;
            }
        }
    }

    private async Task WriteLoopAsync(IClientStreamWriter<NodeMessage> requests, CancellationToken token)
    {
        while (true)
        {
            while (outbox.TryPeek(BuildHeartbeat, out var item))
            {
                // No token on the write itself: cancelling a write would abort the whole call.
                await requests.WriteAsync(item.Message).ConfigureAwait(false);
                outbox.Complete(item);
                if (item.Kind == OutboxItemKind.Heartbeat)
                {
                    status.HeartbeatSent(item.Message.Heartbeat.ActiveRunIds.Count);
                }
            }

            await outbox.WaitAsync(token).ConfigureAwait(false);
        }
    }

    private async Task HeartbeatLoopAsync(TimeSpan interval, CancellationToken token)
    {
        using var timer = new PeriodicTimer(interval, timeProvider);
        while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false))
        {
            outbox.RequestHeartbeat();
        }
    }

    /// <summary>On shutdown: flush what jobs queued (e.g. "agent stopped"), then half-close the stream cleanly.</summary>
    private async Task DrainAndCloseAsync(IClientStreamWriter<NodeMessage> requests)
    {
        try
        {
            using var timeout = new CancellationTokenSource(DrainTimeout);
            while (outbox.TryPeek(BuildHeartbeat, out var item) && item.Kind != OutboxItemKind.Heartbeat)
            {
                await requests.WriteAsync(item.Message).WaitAsync(timeout.Token).ConfigureAwait(false);
                outbox.Complete(item);
            }

            await requests.CompleteAsync().WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RpcException or OperationCanceledException or InvalidOperationException or IOException)
        {
            LogDrainIncomplete(logger, outbox.PendingCount);
        }
    }

    private NodeHello BuildHello(IReadOnlyList<DatasetSummary> summaries) => new()
    {
        AgentVersion = AgentInfo.AgentVersion,
        OnnxruntimeVersion = AgentInfo.OnnxRuntimeVersion,
        Datasets = { summaries },
        MaxConcurrentRuns = options.MaxConcurrentRuns,
        ActiveRunIds = { jobs.ActiveRunIds },
        AuditHead = auditAnchoring.CurrentHead(),
    };

    private NodeMessage BuildHeartbeat() => new()
    {
        Heartbeat = new Heartbeat
        {
            SentAt = Timestamp.FromDateTimeOffset(timeProvider.GetUtcNow()),
            ActiveRunIds = { jobs.ActiveRunIds },
            AuditHead = auditAnchoring.CurrentHead(),
        },
    };

    private void OnWelcomed(Welcome welcome, TimeSpan heartbeatInterval)
    {
        lock (_stateGate)
        {
            if (_outageStartedAt is { } since)
            {
                LogReconnected(logger, channel.Address, timeProvider.GetUtcNow() - since, _failedAttempts);
            }
            else if (!_everConnected)
            {
                LogConnected(logger, channel.Address, welcome.NodeName, welcome.NodeId, heartbeatInterval);
            }

            _everConnected = true;
            _outageStartedAt = null;
            _failedAttempts = 0;
        }

        CheckClock();
        auditAnchoring.Received(welcome.AuditAnchor);
        var activeRuns = jobs.ActiveRunIds.Count;
        status.Connected(heartbeatInterval, activeRuns);
        LogWelcomed(logger, welcome.NodeName, heartbeatInterval, activeRuns);
        Welcomed?.Invoke(welcome);
    }

    /// <summary>Logs the start of an outage once (warning); further failed attempts only at debug level.</summary>
    private void ReportOutage(Exception? reason)
    {
        var description = reason is null ? "unknown reason" : Describe(reason);
        lock (_stateGate)
        {
            _failedAttempts++;
            if (_outageStartedAt is null)
            {
                _outageStartedAt = timeProvider.GetUtcNow();
                LogOutageStarted(logger, channel.Address, description);
                MoveToNextAddress();
                return;
            }
        }

        LogReconnectFailed(logger, description);
        MoveToNextAddress();
    }

    private string Describe(Exception exception) => exception switch
    {
        _ when channel.DescribeNetworkFailure(exception) is { } network => network,
        RpcException { StatusCode: StatusCode.Unauthenticated } rpc =>
            $"the coordinator refused this node's certificate (revoked or unknown): {RpcErrors.Describe(rpc)}",
        RpcException rpc => $"{rpc.StatusCode}: {RpcErrors.Describe(rpc)}",
        SessionLostException lost => lost.Message,
        BrokenCircuitException => "the link to the coordinator failed repeatedly; waiting for the circuit breaker's pause to end",
        _ => exception.Message,
    };

    /// <summary>coordinator.url may list several addresses: the next attempt, after the back-off, dials the next one.</summary>
    private void MoveToNextAddress()
    {
        var failed = channel.Address;
        if (channel.MoveToNextAddress())
        {
            LogNextAddress(logger, failed, channel.Address);
        }
    }

    /// <summary>Says once per session start when this machine's clock and the coordinator's are apart beyond the tolerance.</summary>
    private void CheckClock()
    {
        if (channel.Clock.Offset is { } offset && ServerClock.Describe(offset, ServerClock.DefaultTolerance, channel.Address.ToString()) is { } problem)
        {
            LogClockSkew(logger, problem);
        }
    }

    private static async Task Quietly(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The loop ended with the session; its reason is taken from the task that ended first.
        }
    }

    // An I/O failure as far as the link's circuit breaker is concerned: the stream ended without an answer.
    private sealed class SessionLostException(string message) : IOException(message);
}
