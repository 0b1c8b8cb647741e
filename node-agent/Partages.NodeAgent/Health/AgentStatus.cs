using Partages.NodeAgent.Hosting;

namespace Partages.NodeAgent.Health;

/// <summary>
/// Keeps <c>&lt;data_directory&gt;/status.json</c> current for the <c>health</c> command (Kubernetes exec probes):
/// the session reports each change (connecting, welcomed, heartbeat sent, disconnected, stopped) and refreshes the
/// file on a steady timer, so a recent <c>updated_at</c> proves the process is alive even while the coordinator is
/// away. A file that cannot be written is logged (once per failure streak) and never stops the agent.
/// </summary>
public sealed partial class AgentStatus
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<AgentStatus> _logger;
    private AgentStatusDocument _current;
    private bool _failing;

    public AgentStatus(NodeConfig config, AgentOptions options, TimeProvider timeProvider, ILogger<AgentStatus> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        FilePath = AgentStatusFile.PathFor(config);
        var now = Now();
        _current = new AgentStatusDocument(AgentState.Connecting, now, now, null, 0, options.HeartbeatInterval, AgentInfo.AgentVersion);
    }

    public string FilePath { get; }

    /// <summary>The latest status (the one on disk, unless writing it failed).</summary>
    public AgentStatusDocument Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    /// <summary>Raised after the file was written, with what it holds (tests synchronise on it).</summary>
    public event Action<AgentStatusDocument>? Written;

    /// <summary>The agent starts: connecting, since now.</summary>
    public void Starting(int activeRuns) =>
        Update(activeRuns, (status, now) => status with { State = AgentState.Connecting, Since = now });

    /// <summary>A dial begins. The state stays as it is (connecting, or disconnected since the outage began).</summary>
    public void Dialing(int activeRuns) => Update(activeRuns, (status, _) => status);

    /// <summary>The coordinator's Welcome: connected since now, heartbeating at <paramref name="heartbeatInterval"/>.</summary>
    public void Connected(TimeSpan heartbeatInterval, int activeRuns) =>
        Update(activeRuns, (status, now) => status with { State = AgentState.Connected, Since = now, HeartbeatInterval = heartbeatInterval });

    public void HeartbeatSent(int activeRuns) =>
        Update(activeRuns, (status, now) => status with { LastHeartbeatAt = now });

    /// <summary>A dial failed or the session ended. An outage already under way keeps its start.</summary>
    public void Disconnected(int activeRuns) =>
        Update(activeRuns, (status, now) => status.State == AgentState.Disconnected ? status : status with { State = AgentState.Disconnected, Since = now });

    /// <summary>The steady timer: nothing changed, but the process is alive.</summary>
    public void Refresh(int activeRuns) => Update(activeRuns, (status, _) => status);

    public void Stopped(int activeRuns) =>
        Update(activeRuns, (status, now) => status with { State = AgentState.Stopped, Since = now });

    private void Update(int activeRuns, Func<AgentStatusDocument, DateTimeOffset, AgentStatusDocument> change)
    {
        AgentStatusDocument written;
        lock (_gate)
        {
            var now = Now();
            _current = change(_current, now) with { UpdatedAt = now, ActiveRuns = activeRuns };
            written = _current;
            try
            {
                AgentStatusFile.Write(FilePath, written);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                if (!_failing)
                {
                    _failing = true;
                    LogWriteFailed(_logger, FilePath, ex.Message);
                }

                return;
            }

            if (_failing)
            {
                _failing = false;
                LogWriteRecovered(_logger, FilePath);
            }
        }

        Written?.Invoke(written);
    }

    /// <summary>Milliseconds, as the file holds them: <see cref="Current"/> is what a reader of the file sees.</summary>
    private DateTimeOffset Now()
    {
        var now = _timeProvider.GetUtcNow();
        return new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
    }

    [LoggerMessage(EventId = 700, Level = LogLevel.Warning, Message = "Cannot write the status file {Path}: {Reason}. The agent keeps running, but its health probe will report it unhealthy until the file can be written")]
    private static partial void LogWriteFailed(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 701, Level = LogLevel.Information, Message = "The status file {Path} is written again")]
    private static partial void LogWriteRecovered(ILogger logger, string path);
}
