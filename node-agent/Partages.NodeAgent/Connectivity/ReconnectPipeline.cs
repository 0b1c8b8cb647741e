using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace Partages.NodeAgent.Connectivity;

/// <summary>
/// Retry forever with exponential back-off and jitter, capped: agents that lost the coordinator together do
/// not all come back at the same instant, and a long outage costs one attempt per max delay. With the agent's
/// <see cref="CoordinatorLinkBreaker"/>, each attempt goes through the shared circuit: while it is open an attempt
/// fails at once without dialling, and the retry waits until the break ends (plus jitter) instead of its own delay.
/// </summary>
public static class ReconnectPipeline
{
    public static ResiliencePipeline Create(
        AgentOptions options,
        TimeProvider timeProvider,
        Func<Exception, bool> shouldRetry,
        Func<OnRetryArguments<object>, ValueTask>? onRetry = null,
        CoordinatorLinkBreaker? breaker = null) =>
        Create(options.ReconnectInitialDelay, options.ReconnectMaxDelay, int.MaxValue, timeProvider, shouldRetry, onRetry, breaker);

    public static ResiliencePipeline Create(
        TimeSpan initialDelay,
        TimeSpan maxDelay,
        int maxRetryAttempts,
        TimeProvider timeProvider,
        Func<Exception, bool> shouldRetry,
        Func<OnRetryArguments<object>, ValueTask>? onRetry = null,
        CoordinatorLinkBreaker? breaker = null)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(shouldRetry);
        if (maxRetryAttempts < 1)
        {
            return breaker?.Pipeline ?? ResiliencePipeline.Empty;
        }

        var retry = new RetryStrategyOptions
        {
            // An open circuit is the link failing, seen without dialling: retried like the failure that opened it.
            ShouldHandle = new PredicateBuilder().Handle<Exception>(ex => ex is BrokenCircuitException || shouldRetry(ex)),
            MaxRetryAttempts = maxRetryAttempts,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = initialDelay,
            MaxDelay = maxDelay,
            DelayGenerator = args => ValueTask.FromResult(UntilBreakEnds(args.Outcome.Exception, initialDelay)),
            OnRetry = onRetry,
        };
        var builder = new ResiliencePipelineBuilder { TimeProvider = timeProvider }.AddRetry(retry);
        if (breaker is not null)
        {
            builder.AddPipeline(breaker.Pipeline);
        }

        return builder.Build();
    }

    /// <summary>
    /// While the circuit is open, wait for its break to end (it says how long) plus up to one initial delay of
    /// jitter, so the callers of one agent do not all make the trial call; otherwise the usual back-off.
    /// </summary>
    private static TimeSpan? UntilBreakEnds(Exception? exception, TimeSpan initialDelay) =>
        exception is BrokenCircuitException { RetryAfter: { } retryAfter }
            ? retryAfter + (initialDelay * Random.Shared.NextDouble())
            : null;
}
