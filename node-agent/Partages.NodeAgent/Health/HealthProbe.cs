namespace Partages.NodeAgent.Health;

/// <summary>What Kubernetes asks: is the agent ready (in a live session with the coordinator), or at least alive?</summary>
public enum HealthMode
{
    /// <summary>Connected, and the session's last heartbeat is recent.</summary>
    Readiness,

    /// <summary>The agent's loop is running (the status file is recent), whatever the connection: an outage of the coordinator does not restart agents.</summary>
    Liveness,
}

/// <summary>A probe's answer and the one line that explains it.</summary>
public sealed record HealthVerdict(bool Healthy, string Message);

/// <summary>
/// The <c>health</c> command's judgement, from the status file alone: no network, no engine, no host. A pure
/// function of the file's content and the time, so tests drive it with any clock.
/// </summary>
public static class HealthProbe
{
    /// <summary>The shortest default age limit: a short heartbeat must not make the probe fail on a busy node's hiccup.</summary>
    public static readonly TimeSpan MinimumMaxAge = TimeSpan.FromSeconds(30);

    /// <summary>max(3 × heartbeat, 30 s): two heartbeats may be missed before the probe fails.</summary>
    public static TimeSpan DefaultMaxAge(TimeSpan heartbeatInterval) =>
        TimeSpan.FromTicks(Math.Max(heartbeatInterval.Ticks * 3, MinimumMaxAge.Ticks));

    /// <summary>Reads the status file at <paramref name="path"/> and judges it.</summary>
    /// <param name="configuredHeartbeat">node.yaml's heartbeat: the status file's refresh period, and the heartbeat until a Welcome sets another.</param>
    /// <param name="maxAge">--max-age-seconds, or null for <see cref="DefaultMaxAge"/>.</param>
    public static HealthVerdict Check(string path, HealthMode mode, TimeSpan configuredHeartbeat, TimeSpan? maxAge, DateTimeOffset now)
    {
        AgentStatusDocument? status;
        try
        {
            status = AgentStatusFile.TryRead(path);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            return new HealthVerdict(false, $"cannot read the status file {path}: {ex.Message}");
        }

        if (status is null)
        {
            return new HealthVerdict(false, $"no status file yet ({path}): the agent has not started, or cannot write its data directory");
        }

        // Readiness watches heartbeats, at the interval the coordinator set; liveness watches the steady refresh,
        // which runs at node.yaml's interval.
        var limit = maxAge ?? DefaultMaxAge(mode == HealthMode.Readiness ? status.HeartbeatInterval ?? configuredHeartbeat : configuredHeartbeat);
        return Evaluate(status, mode, limit, now);
    }

    public static HealthVerdict Evaluate(AgentStatusDocument status, HealthMode mode, TimeSpan maxAge, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(status);
        var state = AgentStatusFile.StateName(status.State);
        var sinceUpdate = Age(status.UpdatedAt, now);
        if (sinceUpdate > maxAge)
        {
            return new HealthVerdict(false, $"stale since {Stamp(status.UpdatedAt)}: the status file was last updated {Seconds(sinceUpdate)} ago (limit {Seconds(maxAge)}); the agent is not running or is stuck (last state: {state} since {Stamp(status.Since)})");
        }

        if (status.State == AgentState.Stopped)
        {
            return new HealthVerdict(false, $"stopped since {Stamp(status.Since)}: the agent has shut down");
        }

        if (mode == HealthMode.Liveness)
        {
            return new HealthVerdict(true, $"alive: status updated {Seconds(sinceUpdate)} ago; {state} since {Stamp(status.Since)}, {status.ActiveRuns} run(s) in progress");
        }

        switch (status.State)
        {
            case AgentState.Connecting:
                return new HealthVerdict(false, $"connecting since {Stamp(status.Since)}: not yet welcomed by the coordinator");
            case AgentState.Disconnected:
                return new HealthVerdict(false, $"disconnected since {Stamp(status.Since)}: the coordinator is unreachable or refused the session; the agent keeps reconnecting");
            case AgentState.Connected:
            default:
                break;
        }

        // Before the first heartbeat of a session, its Welcome is the latest sign of life.
        var lastSign = status.LastHeartbeatAt is { } heartbeat && heartbeat > status.Since ? heartbeat : status.Since;
        var sinceHeartbeat = Age(lastSign, now);
        if (sinceHeartbeat > maxAge)
        {
            return new HealthVerdict(false, $"stale since {Stamp(lastSign)}: connected, but no heartbeat for {Seconds(sinceHeartbeat)} (limit {Seconds(maxAge)})");
        }

        return new HealthVerdict(true, $"ready: connected since {Stamp(status.Since)}, last heartbeat {Seconds(sinceHeartbeat)} ago, {status.ActiveRuns} run(s) in progress");
    }

    private static TimeSpan Age(DateTimeOffset at, DateTimeOffset now) => at > now ? TimeSpan.Zero : now - at;

    private static string Stamp(DateTimeOffset at) => AgentStatusFile.Format(at);

    private static string Seconds(TimeSpan span) =>
        span.TotalSeconds.ToString(span < TimeSpan.FromSeconds(10) ? "0.#" : "0", CultureInfo.InvariantCulture) + " s";
}
