using System.Diagnostics;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Partages.NodeAgent.Configuration;
using Partages.NodeAgent.Connectivity;
using Partages.NodeAgent.Tests.Infrastructure;
using Polly;
using Polly.CircuitBreaker;

namespace Partages.NodeAgent.Tests.Connectivity;

public sealed class CoordinatorLinkBreakerTests
{
    private static readonly RpcException Unreachable = new(new Status(StatusCode.Unavailable, "connection refused"));

    [Test]
    public async Task Execute_LinkFailsTheConfiguredNumberOfTimes_OpensAndTheNextCallFailsWithoutDialling()
    {
        var breaker = NewBreaker(new ManualTimeProvider(), failures: 3);
        for (var i = 0; i < 3; i++)
        {
            await FailingCall(breaker.Pipeline, Unreachable).Should().ThrowAsync<RpcException>();
        }

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
        var breaker = NewBreaker(new ManualTimeProvider(), failures: 3);
        await FailingCall(breaker.Pipeline, Unreachable).Should().ThrowAsync<RpcException>();
        await FailingCall(breaker.Pipeline, Unreachable).Should().ThrowAsync<RpcException>();

        breaker.State.Should().Be(CircuitState.Closed);
    }

    [TestCase(StatusCode.PermissionDenied)]
    [TestCase(StatusCode.InvalidArgument)]
    [TestCase(StatusCode.Unauthenticated)]
    public async Task Execute_CoordinatorAnswersWithARefusal_DoesNotCountAsALinkFailure(StatusCode status)
    {
        var breaker = NewBreaker(new ManualTimeProvider(), failures: 2);
        for (var i = 0; i < 5; i++)
        {
            await FailingCall(breaker.Pipeline, new RpcException(new Status(status, "refused"))).Should().ThrowAsync<RpcException>();
        }

        breaker.State.Should().Be(CircuitState.Closed);
    }

    [Test]
    public async Task Execute_BreakElapsedAndTheTrialSucceeds_ClosesAgain()
    {
        var clock = new ManualTimeProvider();
        var breaker = NewBreaker(clock, failures: 2, breakSeconds: 30);
        await FailingCall(breaker.Pipeline, Unreachable).Should().ThrowAsync<RpcException>();
        await FailingCall(breaker.Pipeline, Unreachable).Should().ThrowAsync<RpcException>();
        breaker.State.Should().Be(CircuitState.Open);

        clock.Advance(TimeSpan.FromSeconds(29));
        await breaker.Pipeline.Invoking(p => p.ExecuteAsync(_ => ValueTask.CompletedTask).AsTask()).Should().ThrowAsync<BrokenCircuitException>();

        clock.Advance(TimeSpan.FromSeconds(1));
        await breaker.Pipeline.ExecuteAsync(_ => ValueTask.CompletedTask);
        breaker.State.Should().Be(CircuitState.Closed);
    }

    [Test]
    public async Task Execute_TrialFailsAfterTheBreak_OpensForAnotherBreak()
    {
        var clock = new ManualTimeProvider();
        var breaker = NewBreaker(clock, failures: 2, breakSeconds: 30);
        await FailingCall(breaker.Pipeline, Unreachable).Should().ThrowAsync<RpcException>();
        await FailingCall(breaker.Pipeline, Unreachable).Should().ThrowAsync<RpcException>();

        clock.Advance(TimeSpan.FromSeconds(30));
        await FailingCall(breaker.Pipeline, Unreachable).Should().ThrowAsync<RpcException>();

        breaker.State.Should().Be(CircuitState.Open);
    }

    [Test]
    public async Task ReconnectPipeline_SharedBreakerOpenedByAnotherCaller_WaitsForTheBreakWithoutDialling()
    {
        // Real time, but only lower bounds are asserted: a slow machine makes the gaps longer, never shorter.
        var breakDuration = TimeSpan.FromMilliseconds(600);
        var breaker = NewBreaker(TimeProvider.System, failures: 2, breakSeconds: breakDuration.TotalSeconds);
        var downloads = ReconnectPipeline.Create(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(20), 1, TimeProvider.System, CoordinatorLinkBreaker.IsLinkFailure, breaker: breaker);
        await downloads.Invoking(p => p.ExecuteAsync(_ => throw Unreachable).AsTask()).Should().ThrowAsync<RpcException>();
        var opened = Stopwatch.StartNew();
        breaker.State.Should().Be(CircuitState.Open);

        var submissions = ReconnectPipeline.Create(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(20), int.MaxValue, TimeProvider.System, CoordinatorLinkBreaker.IsLinkFailure, breaker: breaker);
        var dials = new List<TimeSpan>();
        await submissions.ExecuteAsync(_ =>
        {
            dials.Add(opened.Elapsed);
            return ValueTask.CompletedTask;
        });

        dials.Should().ContainSingle("an open circuit lets no call through; the retry waited for the break instead of dialling");
        dials[0].Should().BeGreaterThanOrEqualTo(breakDuration);
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

    private static Func<Task> FailingCall(ResiliencePipeline pipeline, Exception failure) =>
        async () => await pipeline.ExecuteAsync(_ => throw failure);
}
