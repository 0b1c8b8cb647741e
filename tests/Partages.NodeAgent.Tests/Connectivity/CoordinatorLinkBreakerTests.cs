using Partages.NodeAgent.Connectivity;
using Polly;
using Polly.CircuitBreaker;

namespace Partages.NodeAgent.Tests.Connectivity;

public sealed class CoordinatorLinkBreakerTests
{
    private static readonly RpcException Unreachable = new(new Status(StatusCode.Unavailable, "connection refused"));

    [Test]
    public async Task Execute_LinkFailsTheConfiguredNumberOfTimes_OpensAndTheNextCallFailsWithoutDialling()
    {
        var breaker = NewBreaker(new FakeTimeProvider(TestClock.DefaultStart), failures: 3);
        await FailLinkAsync(breaker, times: 3);

        var dialled = false;
        var next = async () => await breaker.Pipeline.ExecuteAsync(_ =>
        {
            dialled = true;
            return ValueTask.CompletedTask;
        });

        await next.Should().ThrowAsync<BrokenCircuitException>();
        dialled.Should().BeFalse();
        breaker.State.Should().Be(CircuitState.Open);
    }

    [Test]
    public async Task Execute_FewerFailuresThanConfigured_StaysClosed()
    {
        var breaker = NewBreaker(new FakeTimeProvider(TestClock.DefaultStart), failures: 3);
        await FailLinkAsync(breaker, times: 2);

        breaker.State.Should().Be(CircuitState.Closed);
    }

    [TestCase(StatusCode.PermissionDenied)]
    [TestCase(StatusCode.InvalidArgument)]
    [TestCase(StatusCode.Unauthenticated)]
    public async Task Execute_CoordinatorAnswersWithARefusal_DoesNotCountAsALinkFailure(StatusCode status)
    {
        var breaker = NewBreaker(new FakeTimeProvider(TestClock.DefaultStart), failures: 2);
        for (var i = 0; i < 5; i++)
        {
            await FailingCall(breaker.Pipeline, new RpcException(new Status(status, "refused"))).Should().ThrowAsync<RpcException>();
        }

        breaker.State.Should().Be(CircuitState.Closed);
    }

    [Test]
    public async Task Execute_BreakElapsedAndTheTrialSucceeds_ClosesAgain()
    {
        var (clock, breaker) = await OpenedBreakerAsync();

        clock.Advance(TimeSpan.FromSeconds(29));
        await breaker.Pipeline.Invoking(p => p.ExecuteAsync(_ => ValueTask.CompletedTask).AsTask()).Should().ThrowAsync<BrokenCircuitException>();

        clock.Advance(TimeSpan.FromSeconds(1));
        await breaker.Pipeline.ExecuteAsync(_ => ValueTask.CompletedTask);
        breaker.State.Should().Be(CircuitState.Closed);
    }

    [Test]
    public async Task Execute_TrialFailsAfterTheBreak_OpensForAnotherBreak()
    {
        var (clock, breaker) = await OpenedBreakerAsync();

        clock.Advance(TimeSpan.FromSeconds(30));
        await FailLinkAsync(breaker, times: 1);

        breaker.State.Should().Be(CircuitState.Open);
    }

    [Test]
    public async Task ReconnectPipeline_SharedBreakerOpenedByAnotherCaller_WaitsForTheBreakWithoutDialling()
    {
        // A fake clock: with real time the test raced the breaker's own clock (it opened a little before a stopwatch
        // could start, so the dial came "599.9 ms" after the stopwatch). Here time moves only when the test says so.
        var clock = new FakeTimeProvider();
        var breakDuration = TimeSpan.FromMilliseconds(600);
        var jitter = TimeSpan.FromMilliseconds(10);
        var breaker = NewBreaker(clock, failures: 2, breakSeconds: breakDuration.TotalSeconds);
        var downloads = ReconnectPipeline.Create(jitter, TimeSpan.FromMilliseconds(20), 1, clock, CoordinatorLinkBreaker.IsLinkFailure, breaker: breaker);
        var failedDownload = downloads.ExecuteAsync(_ => throw Unreachable).AsTask();
        clock.Advance(jitter * 2);      // the download's one retry, after its back-off (at most its max delay)
        await failedDownload.Invoking(t => t).Should().ThrowAsync<RpcException>();
        breaker.State.Should().Be(CircuitState.Open);
        var opened = clock.GetUtcNow();

        var submissions = ReconnectPipeline.Create(jitter, TimeSpan.FromMilliseconds(20), int.MaxValue, clock, CoordinatorLinkBreaker.IsLinkFailure, breaker: breaker);
        var dials = new List<TimeSpan>();
        var submission = submissions.ExecuteAsync(_ =>
        {
            dials.Add(clock.GetUtcNow() - opened);
            return ValueTask.CompletedTask;
        }).AsTask();

        // Polly runs synchronously up to its first wait, so the retry's timer is registered once ExecuteAsync returns.
        clock.Advance(breakDuration - TimeSpan.FromMilliseconds(1));
        dials.Should().BeEmpty("an open circuit lets no call through; the retry waits for the break instead of dialling");
        clock.Advance(TimeSpan.FromMilliseconds(1) + jitter);
        await submission.WaitAsync(TimeSpan.FromSeconds(30));

        dials.Should().ContainSingle();
        dials[0].Should().BeGreaterThanOrEqualTo(breakDuration).And.BeLessThanOrEqualTo(breakDuration + jitter);
        breaker.State.Should().Be(CircuitState.Closed);
    }

    [TestCase(1)]
    [TestCase(1001)]
    public void Validate_BreakerFailuresOutOfRange_ListsTheSetting(int failures)
    {
        var result = new AgentOptionsValidator().Validate(null, new AgentOptions { LinkBreakerFailures = failures });

        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Contain(nameof(AgentOptions.LinkBreakerFailures));
    }

    private static CoordinatorLinkBreaker NewBreaker(TimeProvider clock, int failures, double breakSeconds = 30) =>
        new(new AgentOptions { LinkBreakerFailures = failures, LinkBreakerBreak = TimeSpan.FromSeconds(breakSeconds) }, clock, NullLogger<CoordinatorLinkBreaker>.Instance);

    /// <summary>A breaker (2 failures, a 30 s break) on a hand-moved clock, just opened by two link failures.</summary>
    private static async Task<(FakeTimeProvider Clock, CoordinatorLinkBreaker Breaker)> OpenedBreakerAsync()
    {
        var clock = new FakeTimeProvider(TestClock.DefaultStart);
        var breaker = NewBreaker(clock, failures: 2, breakSeconds: 30);
        await FailLinkAsync(breaker, times: 2);
        breaker.State.Should().Be(CircuitState.Open);
        return (clock, breaker);
    }

    /// <summary>Makes <paramref name="times"/> calls through the breaker that fail as an unreachable coordinator does.</summary>
    private static async Task FailLinkAsync(CoordinatorLinkBreaker breaker, int times)
    {
        for (var i = 0; i < times; i++)
        {
            await FailingCall(breaker.Pipeline, Unreachable).Should().ThrowAsync<RpcException>();
        }
    }

    private static Func<Task> FailingCall(ResiliencePipeline pipeline, Exception failure) =>
        async () => await pipeline.ExecuteAsync(_ => throw failure);
}
