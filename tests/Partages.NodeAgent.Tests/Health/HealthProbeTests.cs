using System.Globalization;

namespace Partages.NodeAgent.Tests.Health;

/// <summary>The probe's verdicts: what Kubernetes restarts (liveness) and what it shows NOT READY (readiness).</summary>
public sealed class HealthProbeTests
{
    private static readonly DateTimeOffset Now = TestClock.DefaultStart;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    [Test]
    public void Readiness_ConnectedHeartbeatRecent_Healthy()
    {
        var status = Status(AgentState.Connected, since: Now.AddMinutes(-5), updated: Now.AddSeconds(-2), heartbeat: Now.AddSeconds(-8));

        var verdict = HealthProbe.Evaluate(status, HealthMode.Readiness, Limit, Now);

        verdict.Healthy.Should().BeTrue();
        verdict.Message.Should().Be("ready: connected since 2025-03-14T08:55:00.000Z, last heartbeat 8 s ago, 0 run(s) in progress");
    }

    [Test]
    public void Readiness_JustWelcomedNoHeartbeatYet_Healthy()
    {
        var status = Status(AgentState.Connected, since: Now.AddSeconds(-3), updated: Now.AddSeconds(-3), heartbeat: null);

        HealthProbe.Evaluate(status, HealthMode.Readiness, Limit, Now).Healthy.Should().BeTrue("the Welcome is the session's first sign of life");
    }

    // Offsets in seconds from Now (since, updated, heartbeat); the message is the start of the verdict's.
    [TestCase(AgentState.Connected, -600, -1, -45, "stale since 2025-03-14T08:59:15.000Z: connected, but no heartbeat for 45 s (limit 30 s)",
        TestName = "Readiness_ConnectedButHeartbeatsStopped_UnhealthyStaleSinceTheLastHeartbeat")]
    [TestCase(AgentState.Connected, -40, -1, -180, "stale since 2025-03-14T08:59:20.000Z",
        TestName = "Readiness_HeartbeatFromAnEarlierSessionAndNewSessionOld_UnhealthyStale")]
    [TestCase(AgentState.Disconnected, -1200, -4, -1200, "disconnected since 2025-03-14T08:40:00.000Z:",
        TestName = "Readiness_Disconnected_UnhealthySaysSinceWhen")]
    [TestCase(AgentState.Connecting, -5, -5, null, "connecting since 2025-03-14T08:59:55.000Z",
        TestName = "Readiness_Connecting_UnhealthySaysNotYetWelcomed")]
    public void Readiness_NotReady_UnhealthyWithTheReason(AgentState state, int since, int updated, int? heartbeat, string message)
    {
        var status = Status(state, since: Now.AddSeconds(since), updated: Now.AddSeconds(updated), heartbeat: heartbeat is { } seconds ? Now.AddSeconds(seconds) : null);

        var verdict = HealthProbe.Evaluate(status, HealthMode.Readiness, Limit, Now);

        verdict.Healthy.Should().BeFalse();
        verdict.Message.Should().StartWith(message);
    }

    [Test]
    public void Liveness_DisconnectedButStatusRecent_Healthy()
    {
        var status = Status(AgentState.Disconnected, since: Now.AddHours(-2), updated: Now.AddSeconds(-9), heartbeat: Now.AddHours(-2));

        var verdict = HealthProbe.Evaluate(status, HealthMode.Liveness, Limit, Now);

        verdict.Healthy.Should().BeTrue("a coordinator outage must not make Kubernetes restart every agent");
        verdict.Message.Should().Be("alive: status updated 9 s ago; disconnected since 2025-03-14T07:00:00.000Z, 0 run(s) in progress");
    }

    [TestCase(HealthMode.Liveness)]
    [TestCase(HealthMode.Readiness)]
    public void AnyMode_StatusNotUpdated_UnhealthyStaleSinceTheLastUpdate(HealthMode mode)
    {
        var status = Status(AgentState.Connected, since: Now.AddHours(-1), updated: Now.AddSeconds(-31), heartbeat: Now.AddSeconds(-31));

        var verdict = HealthProbe.Evaluate(status, mode, Limit, Now);

        verdict.Healthy.Should().BeFalse();
        verdict.Message.Should().StartWith("stale since 2025-03-14T08:59:29.000Z: the status file was last updated 31 s ago (limit 30 s)")
            .And.Contain("the agent is not running or is stuck");
    }

    [TestCase(HealthMode.Liveness)]
    [TestCase(HealthMode.Readiness)]
    public void AnyMode_Stopped_Unhealthy(HealthMode mode)
    {
        var status = Status(AgentState.Stopped, since: Now.AddSeconds(-1), updated: Now.AddSeconds(-1), heartbeat: Now.AddSeconds(-5));

        var verdict = HealthProbe.Evaluate(status, mode, Limit, Now);

        verdict.Should().Be(new HealthVerdict(false, "stopped since 2025-03-14T08:59:59.000Z: the agent has shut down"));
    }

    [Test]
    public void AnyMode_TimestampsAheadOfTheClock_CountAsFresh()
    {
        var status = Status(AgentState.Connected, since: Now.AddSeconds(5), updated: Now.AddSeconds(5), heartbeat: Now.AddSeconds(5));

        HealthProbe.Evaluate(status, HealthMode.Readiness, Limit, Now).Healthy.Should().BeTrue();
    }

    [TestCase(1, 30)]
    [TestCase(10, 30)]
    [TestCase(11, 33)]
    [TestCase(60, 180)]
    public void DefaultMaxAge_Heartbeat_IsThreeHeartbeatsAndAtLeast30Seconds(int heartbeatSeconds, int expectedSeconds) =>
        HealthProbe.DefaultMaxAge(TimeSpan.FromSeconds(heartbeatSeconds)).Should().Be(TimeSpan.FromSeconds(expectedSeconds));

    // The message names the status file's path where the format has {0}.
    [TestCase(null, "no status file yet ({0})", TestName = "Check_NoStatusFile_UnhealthySaysNoStatusFileYet")]
    [TestCase("{\"state\": \"connec", "cannot read the status file {0}: not JSON", TestName = "Check_NotJson_UnhealthySaysItCannotReadIt")]
    public void Check_NoReadableStatus_UnhealthyWithTheReason(string? content, string message)
    {
        using var directory = new TestDirectory();
        var path = directory.Combine("status.json");
        if (content is not null)
        {
            File.WriteAllText(path, content);
        }

        var verdict = HealthProbe.Check(path, HealthMode.Liveness, TimeSpan.FromSeconds(10), maxAge: null, Now);

        verdict.Healthy.Should().BeFalse();
        verdict.Message.Should().StartWith(string.Format(CultureInfo.InvariantCulture, message, path));
    }

    [Test]
    public void Check_WelcomeSetALongerHeartbeat_ReadinessAllowsThreeOfThose()
    {
        using var directory = new TestDirectory();
        var path = directory.Combine("status.json");
        AgentStatusFile.Write(path, Status(AgentState.Connected, since: Now.AddHours(-1), updated: Now.AddSeconds(-5), heartbeat: Now.AddSeconds(-100)) with
        {
            HeartbeatInterval = TimeSpan.FromSeconds(60),
        });

        var readiness = HealthProbe.Check(path, HealthMode.Readiness, configuredHeartbeat: TimeSpan.FromSeconds(10), maxAge: null, Now);
        var strict = HealthProbe.Check(path, HealthMode.Readiness, configuredHeartbeat: TimeSpan.FromSeconds(10), maxAge: TimeSpan.FromSeconds(90), Now);

        readiness.Healthy.Should().BeTrue(readiness.Message);
        strict.Healthy.Should().BeFalse();
        strict.Message.Should().Contain("limit 90 s");
    }

    [Test]
    public void Parse_WrittenDocument_RoundTrips()
    {
        var status = Status(AgentState.Disconnected, since: Now.AddMinutes(-1), updated: Now, heartbeat: Now.AddMinutes(-2)) with { ActiveRuns = 2 };

        AgentStatusFile.Parse(AgentStatusFile.Serialize(status)).Should().Be(status);
    }

    private static AgentStatusDocument Status(AgentState state, DateTimeOffset since, DateTimeOffset updated, DateTimeOffset? heartbeat) =>
        new(state, since, updated, heartbeat, ActiveRuns: 0, TimeSpan.FromSeconds(10), "0.1.0");
}
