namespace Partages.NodeAgent.Session;

/// <summary>The log events of <see cref="SessionWorker"/>, with their stable ids.</summary>
public sealed partial class SessionWorker
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Connected to the coordinator at {Address} as '{NodeName}' (node id {NodeId}); heartbeat every {Interval}")]
    private static partial void LogConnected(ILogger logger, Uri address, string nodeName, string nodeId, TimeSpan interval);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Lost the coordinator at {Address}: {Reason}. Reconnecting with back-off; jobs keep running")]
    private static partial void LogOutageStarted(ILogger logger, Uri address, string reason);

    [LoggerMessage(EventId = 102, Level = LogLevel.Debug, Message = "Reconnect attempt failed: {Reason}")]
    private static partial void LogReconnectFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 103, Level = LogLevel.Information, Message = "Reconnected to the coordinator at {Address} after {Outage} ({Attempts} failed attempt(s))")]
    private static partial void LogReconnected(ILogger logger, Uri address, TimeSpan outage, int attempts);

    [LoggerMessage(EventId = 104, Level = LogLevel.Debug, Message = "Welcome as '{NodeName}': heartbeat every {Interval}, {ActiveRuns} run(s) in progress")]
    private static partial void LogWelcomed(ILogger logger, string nodeName, TimeSpan interval, int activeRuns);

    [LoggerMessage(EventId = 105, Level = LogLevel.Information, Message = "Offer of run {RunId} on dataset '{Dataset}'")]
    private static partial void LogOfferReceived(ILogger logger, string runId, string dataset);

    [LoggerMessage(EventId = 106, Level = LogLevel.Warning, Message = "Ignored a second Welcome in the same session")]
    private static partial void LogUnexpectedWelcome(ILogger logger);

    [LoggerMessage(EventId = 107, Level = LogLevel.Warning, Message = "Ignored a coordinator message of unknown kind '{Kind}' (a newer coordinator?)")]
    private static partial void LogUnknownMessage(ILogger logger, string kind);

    [LoggerMessage(EventId = 108, Level = LogLevel.Warning, Message = "Stopping before {Pending} queued message(s) could be sent")]
    private static partial void LogDrainIncomplete(ILogger logger, int pending);

    [LoggerMessage(EventId = 109, Level = LogLevel.Information, Message = "Session worker stopped")]
    private static partial void LogStopped(ILogger logger);

    [LoggerMessage(EventId = 112, Level = LogLevel.Information, Message = "Could not reach the coordinator at {Failed}; the next attempt dials {Next} (coordinator.url)")]
    private static partial void LogNextAddress(ILogger logger, Uri failed, Uri next);

    [LoggerMessage(EventId = 114, Level = LogLevel.Information, Message = "Session closed to reconnect with the renewed certificate")]
    private static partial void LogReconnecting(ILogger logger);

    [LoggerMessage(EventId = 113, Level = LogLevel.Warning, Message = "Clock: {Problem}")]
    private static partial void LogClockSkew(ILogger logger, string problem);
}
