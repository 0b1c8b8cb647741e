using Grpc.Core;
using Polly;
using Polly.CircuitBreaker;

namespace Partages.NodeAgent.Connectivity;

/// <summary>
/// One circuit breaker for everything that crosses the link to the coordinator: the session, artifact downloads
/// and result submissions. Each has its own retry (<see cref="ReconnectPipeline"/>), but they fail together when
/// the coordinator or the network is down, so they share what they learn: once
/// <see cref="AgentOptions.LinkBreakerFailures"/> attempts in a row (at least; within a sampling window) fail at the
/// link level, the circuit opens and every caller waits out <see cref="AgentOptions.LinkBreakerBreak"/> without
/// dialling; then one trial call decides whether it closes again. A hospital's firewall sees a few attempts per
/// break instead of every run's retries, and the coordinator coming back is not met by a burst of them.
/// Only link failures count: a refusal by the coordinator (invalid argument, permission denied…) is an answer.
/// </summary>
public sealed partial class CoordinatorLinkBreaker
{
    private readonly CircuitBreakerStateProvider _state = new();
    private readonly ILogger<CoordinatorLinkBreaker> _logger;

    public CoordinatorLinkBreaker(AgentOptions options, TimeProvider timeProvider, ILogger<CoordinatorLinkBreaker> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        BreakDuration = options.LinkBreakerBreak;
        Pipeline = new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                // Every sampled attempt failed: one success in the window (a submission that got through) keeps it closed.
                FailureRatio = 1.0,
                MinimumThroughput = options.LinkBreakerFailures,
                // Long enough to hold the failures of a capped back-off (one attempt per ReconnectMaxDelay at worst).
                SamplingDuration = Max(TimeSpan.FromSeconds(30), options.ReconnectMaxDelay * (options.LinkBreakerFailures + 1)),
                BreakDuration = options.LinkBreakerBreak,
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsLinkFailure),
                StateProvider = _state,
                OnOpened = args =>
                {
                    LogOpened(_logger, args.BreakDuration.TotalSeconds, Describe(args.Outcome.Exception));
                    return ValueTask.CompletedTask;
                },
                OnHalfOpened = _ =>
                {
                    LogHalfOpened(_logger);
                    return ValueTask.CompletedTask;
                },
                OnClosed = _ =>
                {
                    LogClosed(_logger);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    /// <summary>The breaker itself, to be placed inside each caller's retry.</summary>
    public ResiliencePipeline Pipeline { get; }

    public TimeSpan BreakDuration { get; }

    /// <summary>Closed (calls go through), open (they fail fast), half-open (one trial is on its way).</summary>
    public CircuitState State => _state.CircuitState;

    /// <summary>
    /// A failure of the link, not an answer from the coordinator: unreachable, refused, cut, timed out. An RPC
    /// status other than Unavailable or DeadlineExceeded means the coordinator was reached and answered.
    /// </summary>
    public static bool IsLinkFailure(Exception exception) => exception switch
    {
        RpcException rpc => rpc.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded,
        HttpRequestException or IOException or TimeoutException => true,
        _ => false,
    };

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static string Describe(Exception? exception) => exception switch
    {
        RpcException rpc => RpcErrors.Describe(rpc),
        null => "unknown",
        _ => exception.Message,
    };

    [LoggerMessage(EventId = 510, Level = LogLevel.Warning, Message = "The coordinator link keeps failing ({Reason}); calls to the coordinator pause for {BreakSeconds} s (circuit open)")]
    private static partial void LogOpened(ILogger logger, double breakSeconds, string reason);

    [LoggerMessage(EventId = 511, Level = LogLevel.Information, Message = "Trying the coordinator link again (circuit half-open)")]
    private static partial void LogHalfOpened(ILogger logger);

    [LoggerMessage(EventId = 512, Level = LogLevel.Information, Message = "The coordinator link works again (circuit closed)")]
    private static partial void LogClosed(ILogger logger);
}
