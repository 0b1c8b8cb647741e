using Microsoft.Extensions.Options;

namespace Partages.NodeAgent.Configuration;

/// <summary>
/// The agent's runtime settings: taken from node.yaml by <see cref="FromConfig"/>, overridable in code (tests use
/// sub-second heartbeats and back-offs), validated once at start with every problem listed.
/// </summary>
public sealed class AgentOptions
{
    /// <summary>Heartbeat period until the coordinator's Welcome sets another.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(NodeConfig.DefaultHeartbeatSeconds);

    /// <summary>First reconnect delay; it doubles per failed attempt, with jitter, up to <see cref="ReconnectMaxDelay"/>.</summary>
    public TimeSpan ReconnectInitialDelay { get; set; } = TimeSpan.FromMilliseconds(ReconnectConfig.DefaultInitialDelayMilliseconds);

    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(ReconnectConfig.DefaultMaxDelaySeconds);

    /// <summary>Link failures in a row that open the <see cref="Connectivity.CoordinatorLinkBreaker"/>'s circuit.</summary>
    public int LinkBreakerFailures { get; set; } = ReconnectConfig.DefaultBreakerFailures;

    /// <summary>How long an open circuit keeps calls to the coordinator from dialling.</summary>
    public TimeSpan LinkBreakerBreak { get; set; } = TimeSpan.FromSeconds(ReconnectConfig.DefaultBreakerSeconds);

    /// <summary>How long to wait for the coordinator's Welcome after Hello before treating the session as failed.</summary>
    public TimeSpan WelcomeTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>TCP + TLS connect timeout of the gRPC channel.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

    public int MaxConcurrentRuns { get; set; } = NodeConfig.DefaultMaxConcurrentRuns;

    /// <summary>The share of the certificate's lifetime after which the agent renews it.</summary>
    public double CertificateRenewAt { get; set; } = CertificateConfig.DefaultRenewAt;

    /// <summary>First wait after a failed renewal attempt; it doubles, with jitter, up to <see cref="CertificateRenewalRetryMaxDelay"/>.</summary>
    public TimeSpan CertificateRenewalRetryInitialDelay { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan CertificateRenewalRetryMaxDelay { get; set; } = TimeSpan.FromSeconds(CertificateConfig.DefaultRetryMaxDelaySeconds);

    /// <summary>When the agent stops: how long runs in progress may take to finish before they are handed back.</summary>
    public TimeSpan StopGracePeriod { get; set; } = TimeSpan.FromSeconds(NodeConfig.DefaultStopGraceSeconds);

    /// <summary>Progress is sent at most this often…</summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>…unless it moved by at least this fraction of the total (0.05 = 5 %).</summary>
    public double ProgressStep { get; set; } = 0.05;

    /// <summary>Upper bound asked of the coordinator for one artifact chunk.</summary>
    public int DownloadChunkBytes { get; set; } = 1024 * 1024;

    /// <summary>Attempts of one artifact download (each resumes where the last stopped) before the job fails.</summary>
    public int DownloadMaxAttempts { get; set; } = 8;

    /// <summary>Corrupt chunks tolerated in one download before the job fails.</summary>
    public int DownloadMaxBadChunks { get; set; } = 5;

    public static AgentOptions FromConfig(NodeConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new AgentOptions
        {
            HeartbeatInterval = TimeSpan.FromSeconds(config.HeartbeatSeconds),
            ReconnectInitialDelay = TimeSpan.FromMilliseconds(config.Reconnect.InitialDelayMilliseconds),
            ReconnectMaxDelay = TimeSpan.FromSeconds(config.Reconnect.MaxDelaySeconds),
            LinkBreakerFailures = config.Reconnect.BreakerFailures,
            LinkBreakerBreak = TimeSpan.FromSeconds(config.Reconnect.BreakerSeconds),
            MaxConcurrentRuns = config.MaxConcurrentRuns,
            CertificateRenewAt = config.Certificate.RenewAt,
            CertificateRenewalRetryMaxDelay = TimeSpan.FromSeconds(config.Certificate.RetryMaxDelaySeconds),
            StopGracePeriod = TimeSpan.FromSeconds(config.StopGraceSeconds),
        };
    }

    public void CopyTo(AgentOptions target)
    {
        ArgumentNullException.ThrowIfNull(target);
        target.HeartbeatInterval = HeartbeatInterval;
        target.ReconnectInitialDelay = ReconnectInitialDelay;
        target.ReconnectMaxDelay = ReconnectMaxDelay;
        target.LinkBreakerFailures = LinkBreakerFailures;
        target.LinkBreakerBreak = LinkBreakerBreak;
        target.WelcomeTimeout = WelcomeTimeout;
        target.ConnectTimeout = ConnectTimeout;
        target.MaxConcurrentRuns = MaxConcurrentRuns;
        target.CertificateRenewAt = CertificateRenewAt;
        target.CertificateRenewalRetryInitialDelay = CertificateRenewalRetryInitialDelay;
        target.CertificateRenewalRetryMaxDelay = CertificateRenewalRetryMaxDelay;
        target.StopGracePeriod = StopGracePeriod;
        target.ProgressInterval = ProgressInterval;
        target.ProgressStep = ProgressStep;
        target.DownloadChunkBytes = DownloadChunkBytes;
        target.DownloadMaxAttempts = DownloadMaxAttempts;
        target.DownloadMaxBadChunks = DownloadMaxBadChunks;
    }
}

/// <summary>Lists every invalid setting at once; registered with ValidateOnStart so a bad value stops the host before it dials.</summary>
public sealed class AgentOptionsValidator : IValidateOptions<AgentOptions>
{
    public ValidateOptionsResult Validate(string? name, AgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        Positive(failures, nameof(options.HeartbeatInterval), options.HeartbeatInterval);
        Positive(failures, nameof(options.ReconnectInitialDelay), options.ReconnectInitialDelay);
        Positive(failures, nameof(options.ReconnectMaxDelay), options.ReconnectMaxDelay);
        Positive(failures, nameof(options.WelcomeTimeout), options.WelcomeTimeout);
        Positive(failures, nameof(options.ConnectTimeout), options.ConnectTimeout);
        Positive(failures, nameof(options.ProgressInterval), options.ProgressInterval);
        if (options.ReconnectInitialDelay > options.ReconnectMaxDelay)
        {
            failures.Add($"{nameof(options.ReconnectInitialDelay)} ({options.ReconnectInitialDelay}) is longer than {nameof(options.ReconnectMaxDelay)} ({options.ReconnectMaxDelay}).");
        }

        if (options.LinkBreakerBreak < TimeSpan.FromMilliseconds(500))
        {
            // Polly's lower bound for a break.
            failures.Add($"{nameof(options.LinkBreakerBreak)} is {options.LinkBreakerBreak}; it must be at least 0.5 s.");
        }

        if (options.LinkBreakerFailures is < 2 or > 1000)
        {
            failures.Add($"{nameof(options.LinkBreakerFailures)} is {options.LinkBreakerFailures}; it must be within 2..1000.");
        }

        Positive(failures, nameof(options.CertificateRenewalRetryInitialDelay), options.CertificateRenewalRetryInitialDelay);
        if (options.CertificateRenewalRetryInitialDelay > options.CertificateRenewalRetryMaxDelay)
        {
            failures.Add($"{nameof(options.CertificateRenewalRetryInitialDelay)} ({options.CertificateRenewalRetryInitialDelay}) is longer than {nameof(options.CertificateRenewalRetryMaxDelay)} ({options.CertificateRenewalRetryMaxDelay}).");
        }

        if (options.CertificateRenewAt is <= 0 or >= 1 || double.IsNaN(options.CertificateRenewAt))
        {
            failures.Add($"{nameof(options.CertificateRenewAt)} is {options.CertificateRenewAt}; it must be a fraction in (0, 1).");
        }

        if (options.MaxConcurrentRuns is < 1 or > 64)
        {
            failures.Add($"{nameof(options.MaxConcurrentRuns)} is {options.MaxConcurrentRuns}; it must be within 1..64.");
        }

        if (options.StopGracePeriod < TimeSpan.Zero || options.StopGracePeriod > TimeSpan.FromSeconds(NodeConfig.MaxStopGraceSeconds))
        {
            failures.Add($"{nameof(options.StopGracePeriod)} is {options.StopGracePeriod}; it must be within 0..{NodeConfig.MaxStopGraceSeconds} s.");
        }

        if (options.ProgressStep is <= 0 or > 1 || double.IsNaN(options.ProgressStep))
        {
            failures.Add($"{nameof(options.ProgressStep)} is {options.ProgressStep}; it must be a fraction in (0, 1].");
        }

        if (options.DownloadChunkBytes is < 1024 or > 4 * 1024 * 1024)
        {
            failures.Add($"{nameof(options.DownloadChunkBytes)} is {options.DownloadChunkBytes}; it must be within 1 KiB..4 MiB (the gRPC message limit).");
        }

        if (options.DownloadMaxAttempts < 1)
        {
            failures.Add($"{nameof(options.DownloadMaxAttempts)} is {options.DownloadMaxAttempts}; it must be at least 1.");
        }

        if (options.DownloadMaxBadChunks < 0)
        {
            failures.Add($"{nameof(options.DownloadMaxBadChunks)} is {options.DownloadMaxBadChunks}; it must not be negative.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Positive(List<string> failures, string name, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            failures.Add($"{name} is {value}; it must be positive.");
        }
    }
}
