using Polly;
using Polly.Retry;
using Partages.NodeAgent.Configuration;

namespace Partages.NodeAgent.Connectivity;

/// <summary>
/// Retry forever with exponential back-off and jitter, capped: agents that lost the coordinator together do
/// not all come back at the same instant, and a long outage costs one attempt per max delay.
/// </summary>
public static class ReconnectPipeline
{
    public static ResiliencePipeline Create(
        AgentOptions options,
        TimeProvider timeProvider,
        Func<Exception, bool> shouldRetry,
        Func<OnRetryArguments<object>, ValueTask>? onRetry = null) =>
        Create(options.ReconnectInitialDelay, options.ReconnectMaxDelay, int.MaxValue, timeProvider, shouldRetry, onRetry);

    public static ResiliencePipeline Create(
        TimeSpan initialDelay,
        TimeSpan maxDelay,
        int maxRetryAttempts,
        TimeProvider timeProvider,
        Func<Exception, bool> shouldRetry,
        Func<OnRetryArguments<object>, ValueTask>? onRetry = null)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(shouldRetry);
        if (maxRetryAttempts < 1)
        {
            return ResiliencePipeline.Empty;
        }

        var retry = new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle(shouldRetry),
            MaxRetryAttempts = maxRetryAttempts,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = initialDelay,
            MaxDelay = maxDelay,
            OnRetry = onRetry,
        };
        return new ResiliencePipelineBuilder { TimeProvider = timeProvider }.AddRetry(retry).Build();
    }
}
