using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Partages.NodeAgent.Audit;
using Partages.NodeAgent.Connectivity;
using Partages.NodeAgent.Session;
using Partages.Trust;
using Polly;
using Polly.Retry;

namespace Partages.NodeAgent.Enrollment;

/// <summary>
/// Renews the node's certificate without a person: at <see cref="AgentOptions.CertificateRenewAt"/> of its lifetime it
/// generates a new key here, sends only its CSR over the current mutual-TLS session (RenewCertificate), checks the
/// answer, stores key and certificate together (<see cref="IdentityInstaller"/>) and switches: new connections present
/// the new certificate, the audit signer uses the new key, the session reconnects. The old certificate stays valid at
/// the coordinator until it expires. Failures are retried with exponential back-off and jitter (Polly, on the agent's
/// clock); a refusal that retrying cannot change (the node is revoked, the coordinator refuses the CSR) stops renewal
/// until the agent restarts. Every step is a line of the audit log.
/// </summary>
public sealed partial class CertificateRenewer : BackgroundService
{
    private readonly NodeConfig config;
    private readonly CurrentIdentity identity;
    private readonly CoordinatorChannel channel;
    private readonly SessionWorker session;
    private readonly AuditLog audit;
    private readonly AuditAnchoring anchoring;
    private readonly AgentOptions options;
    private readonly TimeProvider timeProvider;
    private readonly ILogger<CertificateRenewer> logger;
    private readonly Lock _trustGate = new();
    // Set when the coordinator's issuing CA did not issue this node's certificate (a CA rotation): renew at once.
    private volatile bool _renewNow;
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public CertificateRenewer(
        NodeConfig config,
        CurrentIdentity identity,
        CoordinatorChannel channel,
        SessionWorker session,
        AuditLog audit,
        AuditAnchoring anchoring,
        AgentOptions options,
        TimeProvider timeProvider,
        ILogger<CertificateRenewer> logger)
    {
        this.config = config;
        this.identity = identity;
        this.channel = channel;
        this.session = session;
        this.audit = audit;
        this.anchoring = anchoring;
        this.options = options;
        this.timeProvider = timeProvider;
        this.logger = logger;
        // Subscribed before any session can start: the first Welcome may already carry a CA rotation.
        session.Welcomed += welcome => ApplyTrust(welcome.Trust);
    }

    // Task.Delay takes at most about 49 days: a year-long certificate is waited for in steps.
    private static readonly TimeSpan LongestWait = TimeSpan.FromDays(1);

    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Raised after a renewed identity is installed and in use (tests synchronise on it).</summary>
    public event Action<NodeIdentity>? Renewed;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var pipeline = new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(ex => !stoppingToken.IsCancellationRequested && IsTransient(ex)),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.CertificateRenewalRetryInitialDelay,
                MaxDelay = options.CertificateRenewalRetryMaxDelay,
                OnRetry = args =>
                {
                    var why = Describe(args.Outcome.Exception);
                    Append(AuditEvents.CertificateRenewalFailed, $"attempt {args.AttemptNumber + 1}: {why}; retrying in {args.RetryDelay.TotalSeconds:0} s", "retry");
                    LogAttemptFailed(logger, why, args.RetryDelay);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var due = identity.Value.RenewalDueAt(options.CertificateRenewAt);
                var wait = due - timeProvider.GetUtcNow();
                if (wait > TimeSpan.Zero && !_renewNow)
                {
                    LogWaiting(logger, due);
                    using var waiting = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                    var woken = Volatile.Read(ref _wake).Task;
                    await Task.WhenAny(Task.Delay(wait < LongestWait ? wait : LongestWait, timeProvider, waiting.Token), woken).ConfigureAwait(false);
                    await waiting.CancelAsync().ConfigureAwait(false);
                    if (woken.IsCompleted)
                    {
                        Volatile.Write(ref _wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
                    }

                    stoppingToken.ThrowIfCancellationRequested();
                    continue;
                }

                try
                {
                    await pipeline.ExecuteAsync(RenewOnceAsync, stoppingToken).ConfigureAwait(false);
                }
                catch (RpcException ex) when (!stoppingToken.IsCancellationRequested)
                {
                    var why = Describe(ex);
                    Append(AuditEvents.CertificateRenewalFailed, $"{why}; no further attempt until the agent restarts", "stopped");
                    LogRefused(logger, why, identity.Value.NotAfter);
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The agent is stopping; a renewal cut short leaves the installed identity as it was (IdentityInstaller).
        }
    }

    private async ValueTask RenewOnceAsync(CancellationToken cancellationToken)
    {
        var current = identity.Value;
        var name = current.ClientCertificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        Append(AuditEvents.CertificateRenewalRequested, _renewNow
            ? $"certificate sha256 {current.CertificateSha256} is not from the coordinator's issuing CA (CA rotation)"
            : $"certificate sha256 {current.CertificateSha256} reached {options.CertificateRenewAt:P0} of its lifetime (valid until {current.NotAfter:u})", decision: null);
        using var key = SigningRequest.CreateKey();
        var response = await channel.RenewCertificateAsync(SigningRequest.CreatePem(key, name), CallTimeout, cancellationToken).ConfigureAwait(false);
        // The answer's trust first: a certificate from a rotation's new CA checks out only once that CA is trusted.
        ApplyTrust(response.Trust);
        current = identity.Value;

        using (var issued = Parse(response.CertificatePem))
        {
            using var issuedKey = issued.GetECDsaPublicKey();
            if (issuedKey is null || !issuedKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
            {
                throw new InvalidRenewalException("the certificate the coordinator returned is not for the new key");
            }

            if (!string.Equals(issued.GetNameInfo(X509NameType.SimpleName, forIssuer: false), name, StringComparison.Ordinal))
            {
                throw new InvalidRenewalException($"the certificate the coordinator returned names '{issued.GetNameInfo(X509NameType.SimpleName, false)}', not '{name}'");
            }

            if (!TrustedChain.Builds(issued, current.TrustedCas, [], timeProvider.GetUtcNow(), usage: null, out var problem))
            {
                throw new InvalidRenewalException($"the certificate the coordinator returned does not chain to a trusted CA ({problem})");
            }
        }

        var files = IdentityFiles.For(config);
        IdentityInstaller.Install(files, key.ExportPkcs8PrivateKeyPem(), response.CertificatePem);
        NodeIdentity renewed;
        try
        {
            renewed = NodeIdentity.Load(files);
        }
        catch (IdentityException ex)
        {
            throw new InvalidRenewalException($"the renewed identity cannot be loaded: {ex.Message}");
        }

        _renewNow = false;
        identity.Replace(renewed);
        channel.UseIdentity(renewed);
        if (audit.Signer?.Use(renewed.ClientCertificate) == true)
        {
            anchoring.SignerChanged();
        }

        Append(AuditEvents.CertificateRenewed,
            $"new certificate sha256 {renewed.CertificateSha256}, valid until {renewed.NotAfter:u}, stored with its new key in {files.Directory}; replaces sha256 {current.CertificateSha256} (still accepted until {current.NotAfter:u})", decision: null);
        LogRenewed(logger, renewed.CertificateSha256, renewed.NotAfter, current.CertificateSha256);
        session.Reconnect();
        Renewed?.Invoke(renewed);
    }

    /// <summary>Applies a trust bundle from the coordinator (<see cref="TrustUpdate"/>): audit, reload, and an early renewal when asked.</summary>
    private void ApplyTrust(TrustBundle? bundle)
    {
        lock (_trustGate)
        {
            var files = IdentityFiles.For(config);
            TrustChange change;
            try
            {
                change = TrustUpdate.Apply(files, identity.Value, bundle);
            }
            catch (IOException ex)
            {
                LogTrustFailed(logger, ex.Message);
                return;
            }

            foreach (var note in change.Notes)
            {
                Append(AuditEvents.TrustChanged, note, decision: null);
                LogTrust(logger, note);
            }

            if (change.FilesChanged)
            {
                try
                {
                    var reloaded = NodeIdentity.Load(files);
                    identity.Replace(reloaded);
                    channel.UseIdentity(reloaded);
                }
                catch (IdentityException ex)
                {
                    LogTrustFailed(logger, ex.Message);
                }
            }

            if (change.RenewNow && !_renewNow)
            {
                _renewNow = true;
                Volatile.Read(ref _wake).TrySetResult();
            }
        }
    }

    private static X509Certificate2 Parse(string pem)
    {
        try
        {
            return X509Certificate2.CreateFromPem(pem);
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            throw new InvalidRenewalException($"the coordinator returned an unreadable certificate ({ex.Message})");
        }
    }

    /// <summary>Worth another attempt: the link or the coordinator failing, or an answer that did not check out. Not a refusal.</summary>
    private static bool IsTransient(Exception exception) => exception switch
    {
        RpcException rpc => rpc.StatusCode is not (StatusCode.Unauthenticated or StatusCode.PermissionDenied or StatusCode.InvalidArgument
            or StatusCode.FailedPrecondition or StatusCode.Unimplemented),
        _ => exception is InvalidRenewalException or IOException or HttpRequestException or Polly.CircuitBreaker.BrokenCircuitException,
    };

    private static string Describe(Exception? exception) => exception switch
    {
        null => "unknown failure",
        RpcException rpc => $"{rpc.StatusCode}: {rpc.Status.Detail}",
        _ => exception.Message,
    };

    private void Append(string auditEvent, string reason, string? decision) =>
        audit.Append(new AuditEntry(auditEvent) { Reason = reason, Decision = decision, By = "agent" });

    [LoggerMessage(EventId = 1304, Level = LogLevel.Information, Message = "Trust: {Note}")]
    private static partial void LogTrust(ILogger logger, string note);

    [LoggerMessage(EventId = 1305, Level = LogLevel.Error, Message = "Trust: the coordinator's CAs could not be applied: {Reason}")]
    private static partial void LogTrustFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 1300, Level = LogLevel.Debug, Message = "The node certificate is due for renewal at {Due:u}")]
    private static partial void LogWaiting(ILogger logger, DateTimeOffset due);

    [LoggerMessage(EventId = 1301, Level = LogLevel.Information, Message = "Renewed the node certificate: sha256 {Thumbprint}, valid until {NotAfter:u}; used from now on (replaces {Previous})")]
    private static partial void LogRenewed(ILogger logger, string thumbprint, DateTimeOffset notAfter, string previous);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Warning, Message = "Certificate renewal failed ({Reason}); retrying in {Delay}")]
    private static partial void LogAttemptFailed(ILogger logger, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 1303, Level = LogLevel.Error, Message = "Certificate renewal refused ({Reason}); the current certificate expires at {NotAfter:u}, then the node must be enrolled again")]
    private static partial void LogRefused(ILogger logger, string reason, DateTimeOffset notAfter);
}

/// <summary>The coordinator's answer to a renewal did not check out (wrong key, name or CA): retried, nothing was stored.</summary>
public sealed class InvalidRenewalException(string message) : Exception(message)
{
    public InvalidRenewalException()
        : this("the renewal answer did not check out")
    {
    }

    public InvalidRenewalException(string message, Exception innerException)
        : this(message + ": " + innerException?.Message)
    {
    }
}
