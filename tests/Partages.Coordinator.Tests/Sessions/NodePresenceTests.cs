using Microsoft.Extensions.Time.Testing;
using Partages.Coordinator.Sessions;

namespace Partages.Coordinator.Tests.Sessions;

/// <summary>
/// Whether a node is online when replicas share the work (NodeSessionRegistry.IsOnline with a last-seen time): a
/// session here, or a recent last-seen time that is not the end of a session.
/// </summary>
public sealed class NodePresenceTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(35);

    [Test]
    public void IsOnline_OneCoordinator_OnlyItsOwnSessionsCount()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20_000));
        var registry = new NodeSessionRegistry(time, elsewhereFor: null);

        registry.IsOnline("site-a", time.GetUtcNow()).Should().BeFalse("without replicas a last-seen time says nothing about now");
    }

    [Test]
    public void IsOnline_SeenByAnotherReplicaWithinTheWindow_OnlineUntilTheWindowPasses()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20_000));
        var registry = new NodeSessionRegistry(time, Window);
        var seen = time.GetUtcNow();

        registry.IsOnline("site-a", seen).Should().BeTrue();
        time.Advance(Window);
        registry.IsOnline("site-a", seen).Should().BeTrue("exactly the window is still recent");
        time.Advance(TimeSpan.FromSeconds(1));
        registry.IsOnline("site-a", seen).Should().BeFalse("no heartbeat for longer than the window: its replica is gone, and it did not come back elsewhere");
        registry.IsOnline("site-a", null).Should().BeFalse("never seen");
    }

    [Test]
    public void IsOnline_SessionEndedAtItsLastSeenTime_OfflineUntilSeenAgain()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20_000));
        var registry = new NodeSessionRegistry(time, Window);
        var ended = time.GetUtcNow();
        var told = new List<(string, DateTimeOffset)>();
        registry.Left += (node, at) => told.Add((node, at));

        registry.RecordLeft("site-a", ended, here: false);
        registry.IsOnline("site-a", ended).Should().BeFalse("that last-seen time was written when the session ended");
        told.Should().BeEmpty("another replica's news is not announced again");

        time.Advance(TimeSpan.FromSeconds(2));
        registry.IsOnline("site-a", time.GetUtcNow()).Should().BeTrue("a later hello or heartbeat on some replica");
        registry.RecordLeft("site-a", ended.AddSeconds(-10));
        registry.IsOnline("site-a", ended).Should().BeFalse("an older end does not move the recorded one back");
        told.Should().Equal(("site-a", ended.AddSeconds(-10)));
    }
}
