namespace Partages.NodeAgent.Health;

/// <summary>Where the agent stands with the coordinator, as the status file says it.</summary>
public enum AgentState
{
    /// <summary>Started, not yet welcomed by the coordinator.</summary>
    Connecting,

    /// <summary>In a session: welcomed, heartbeating.</summary>
    Connected,

    /// <summary>Not in a session (a dial failed or the session ended); reconnecting with back-off.</summary>
    Disconnected,

    /// <summary>The agent stopped (SIGTERM, Ctrl+C).</summary>
    Stopped,
}

/// <summary>
/// The content of <c>&lt;data_directory&gt;/status.json</c>: the agent's state and clocks, nothing about datasets,
/// reports or results. Written by <see cref="AgentStatus"/>, read by the <c>health</c> command.
/// </summary>
/// <param name="State">The state; <see cref="Since"/> is when it began (for <see cref="AgentState.Disconnected"/>, when the outage began).</param>
/// <param name="UpdatedAt">When the agent last wrote the file; it writes at least once per heartbeat interval while it runs.</param>
/// <param name="LastHeartbeatAt">When the last heartbeat was sent (null before the first).</param>
/// <param name="ActiveRuns">Runs in progress on this node.</param>
/// <param name="HeartbeatInterval">The heartbeat interval in force (the coordinator's Welcome may have set it).</param>
/// <param name="AgentVersion">The agent's version.</param>
public sealed record AgentStatusDocument(
    AgentState State,
    DateTimeOffset Since,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? LastHeartbeatAt,
    int ActiveRuns,
    TimeSpan? HeartbeatInterval,
    string AgentVersion);
