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

    [Test]
    public void Next_BatchBoundariesOfTwoRuns_ReportsTheSameFixedFractionsOfTheLineCount()
    {
        // The same 1000 lines, batches ending at different lines (one report set aside moves every later boundary).
        long[] oneRun = [31, 64, 96, 130, 500, 511, 999, 1000];
        long[] otherRun = [32, 65, 97, 131, 501, 512, 1000];

        var first = Reports(oneRun, total: 1000);
        var second = Reports(otherRun, total: 1000);

        first.Should().Equal(100, 200, 300, 400, 500, 600, 700, 800, 900, 1000);
        second.Should().Equal(first, "the values sent depend on the line count alone, not on where batches end");
    }

    [Test]
    public void Next_NothingMovedPastAStep_ReportsNothing()
    {
        var steps = new CoarseProgress(0.05);

        steps.Next(49, 1000).Should().BeEmpty();
        steps.Next(50, 1000).Should().Equal(50);
        steps.Next(99, 1000).Should().BeEmpty();
        steps.Next(0, 0).Should().BeEmpty();
    }

    private static List<long> Reports(long[] done, long total)
    {
        var steps = new CoarseProgress(0.1);
        return [.. done.SelectMany(d => steps.Next(d, total))];
    }
}
