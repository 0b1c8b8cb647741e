using Partages.NodeAgent.Jobs;

namespace Partages.NodeAgent.Tests.Jobs;

public sealed class ProgressThrottleTests
{
    [Test]
    public void ShouldReport_ManySmallSteps_OnlyFirstEveryFivePercentOrHalfSecondAndLast()
    {
        var clock = new ManualClock();
        var throttle = new ProgressThrottle(clock, TimeSpan.FromMilliseconds(500), 0.05);

        var sent = Enumerable.Range(0, 101).Where(done => throttle.ShouldReport(done, 100)).ToList();

        sent.Should().Equal(0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90, 95, 100);
    }

    [Test]
    public void ShouldReport_SlowSteps_SentOnceTheIntervalHasPassed()
    {
        var clock = new ManualClock();
        var throttle = new ProgressThrottle(clock, TimeSpan.FromMilliseconds(500), 0.05);
        throttle.ShouldReport(0, 10_000).Should().BeTrue();

        throttle.ShouldReport(1, 10_000).Should().BeFalse();
        clock.Advance(TimeSpan.FromMilliseconds(499));
        throttle.ShouldReport(2, 10_000).Should().BeFalse();
        clock.Advance(TimeSpan.FromMilliseconds(1));
        throttle.ShouldReport(3, 10_000).Should().BeTrue();
    }

    private sealed class ManualClock : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
