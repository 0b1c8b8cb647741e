using Partages.NodeAgent.Session;

namespace Partages.NodeAgent.Tests.Session;

public sealed class OutboxTests
{
    private static readonly NodeMessage HeartbeatMessage = new() { Heartbeat = new Heartbeat() };

    [Test]
    public void TryPeek_QueuedProgressAndHeartbeat_QueuedFirstInOrderThenLatestProgressThenHeartbeat()
    {
        var outbox = new Outbox();
        outbox.RequestHeartbeat();
        outbox.ReportProgress(new JobProgress { RunId = "a", Phase = JobPhase.Running, Done = 1, Total = 10 });
        outbox.Enqueue(new NodeMessage { Accepted = new JobAccepted { RunId = "a" } });
        outbox.ReportProgress(new JobProgress { RunId = "a", Phase = JobPhase.Running, Done = 7, Total = 10 });
        outbox.Enqueue(new NodeMessage { Rejected = new JobRejected { RunId = "b", Reason = "r" } });

        var written = Drain(outbox);

        written.Select(m => m.KindCase).Should().Equal(
            NodeMessage.KindOneofCase.Accepted,
            NodeMessage.KindOneofCase.Rejected,
            NodeMessage.KindOneofCase.Progress,
            NodeMessage.KindOneofCase.Heartbeat);
        written[2].Progress.Done.Should().Be(7, "only the latest progress of a run is kept");
    }

    [Test]
    public void Complete_ProgressReplacedWhileBeingWritten_KeepsTheNewerValue()
    {
        var outbox = new Outbox();
        outbox.ReportProgress(new JobProgress { RunId = "a", Done = 1, Total = 10 });
        outbox.TryPeek(() => HeartbeatMessage, out var inFlight).Should().BeTrue();

        outbox.ReportProgress(new JobProgress { RunId = "a", Done = 2, Total = 10 });
        outbox.Complete(inFlight);

        Drain(outbox).Should().ContainSingle().Which.Progress.Done.Should().Be(2);
    }

    [Test]
    public void DropProgress_RunEnded_ItsProgressIsNotSentAfterItsOutcome()
    {
        var outbox = new Outbox();
        outbox.ReportProgress(new JobProgress { RunId = "a", Done = 1, Total = 10 });
        outbox.DropProgress("a");
        outbox.Enqueue(new NodeMessage { Failed = new JobFailed { RunId = "a", Reason = "x" } });

        Drain(outbox).Select(m => m.KindCase).Should().Equal(NodeMessage.KindOneofCase.Failed);
    }

    [Test]
    public async Task WaitAsync_SomethingQueued_Completes()
    {
        var outbox = new Outbox();
        var waiting = outbox.WaitAsync(CancellationToken.None);

        outbox.Enqueue(new NodeMessage { Accepted = new JobAccepted { RunId = "a" } });

        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        outbox.PendingCount.Should().Be(1);
    }

    [Test]
    public void ResetSessionState_HeartbeatDueFromTheLastSession_IsDropped()
    {
        var outbox = new Outbox();
        outbox.RequestHeartbeat();

        outbox.ResetSessionState();

        Drain(outbox).Should().BeEmpty();
    }

    [TestCase(0, 0)]
    [TestCase(1, 10)]
    [TestCase(7, 10)]
    [TestCase(14, 10)]
    [TestCase(15, 20)]
    [TestCase(999, 1000)]
    [TestCase(1234, 1200)]
    [TestCase(99_949, 99_900)]
    [TestCase(123_456, 123_000)]
    public void RoundCount_Count_NeverExactWhenSmall(long count, long expected) =>
        DatasetCatalog.RoundCount(count).Should().Be(expected);

    private static List<NodeMessage> Drain(Outbox outbox)
    {
        var written = new List<NodeMessage>();
        while (outbox.TryPeek(() => HeartbeatMessage, out var item))
        {
            written.Add(item.Message);
            outbox.Complete(item);
        }

        return written;
    }
}
