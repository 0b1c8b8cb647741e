using Partages.Evaluation;

namespace Partages.NodeAgent.Configuration;

/// <summary>
/// The node's configuration (node.yaml), validated and with every path made absolute. Immutable: read once at
/// start by <see cref="NodeConfigLoader"/>; node-agent/node.example.yaml documents every field.
/// </summary>
public sealed record NodeConfig
{
    public const int DefaultHeartbeatSeconds = 10;
    public const int DefaultMaxConcurrentRuns = 1;
    public const int DefaultStopGraceSeconds = 30;
    public const int MaxStopGraceSeconds = 3600;

    /// <summary>Informational; the node's identity is its certificate. Used as the CSR's common name at enrollment.</summary>
    public required string Name { get; init; }

    /// <summary>The coordinator's base address (https): the first of <see cref="CoordinatorUrls"/>.</summary>
    public required Uri CoordinatorUrl { get; init; }

    /// <summary>Every address of the coordinator, tried in order (the next after each failed attempt, with the back-off).</summary>
    public IReadOnlyList<Uri> CoordinatorUrls
    {
        get => _coordinatorUrls ?? [CoordinatorUrl];
        init => _coordinatorUrls = value;
    }

    /// <summary>
    /// The HTTP proxy to the coordinator (node.yaml's <c>coordinator.proxy</c>, else <c>HTTPS_PROXY</c>/<c>NO_PROXY</c>);
    /// null: direct.
    /// </summary>
    public Partages.Trust.Network.ProxySettings? Proxy { get; init; }

    /// <summary>Absolute; holds <c>identity/</c>, <c>artifacts/</c> and <c>audit/</c>.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>Heartbeat period until the coordinator's Welcome says otherwise.</summary>
    public int HeartbeatSeconds { get; init; } = DefaultHeartbeatSeconds;

    public int MaxConcurrentRuns { get; init; } = DefaultMaxConcurrentRuns;

    /// <summary>
    /// On SIGTERM or Ctrl+C, how long runs in progress may take to finish before they are handed back to the
    /// coordinator (which offers them again when the agent is back); 0 hands them back at once.
    /// </summary>
    public int StopGraceSeconds { get; init; } = DefaultStopGraceSeconds;

    public ReconnectConfig Reconnect { get; init; } = new();

    /// <summary>node.yaml's <c>certificate</c>: when and how the agent renews its certificate by itself.</summary>
    public CertificateConfig Certificate { get; init; } = new();

    /// <summary>Datasets this node exposes, paths absolute. Only these names can be evaluated.</summary>
    public required IReadOnlyList<DatasetDefinition> Datasets { get; init; }

    /// <summary>
    /// The node policy (policy.yaml, absolute; node.yaml's <c>policy</c>, relative to node.yaml). <c>run</c> refuses to
    /// start without a valid one; null only when node.yaml names none.
    /// </summary>
    public string? PolicyPath { get; init; }

    /// <summary>The file this configuration was read from (absolute).</summary>
    public required string SourcePath { get; init; }

    public string IdentityDirectory => Path.Combine(DataDirectory, "identity");

    public string ArtifactsDirectory => Path.Combine(DataDirectory, "artifacts");

    public string AuditDirectory => Path.Combine(DataDirectory, "audit");

    private readonly IReadOnlyList<Uri>? _coordinatorUrls;

    public DatasetDefinition? FindDataset(string name) =>
        Datasets.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.Ordinal));
}

/// <summary>How the agent dials again after the coordinator is lost: exponential back-off with jitter, never giving up.</summary>
public sealed record ReconnectConfig
{
    public const int DefaultInitialDelayMilliseconds = 500;
    public const int DefaultMaxDelaySeconds = 30;
    public const int DefaultBreakerFailures = 5;
    public const int DefaultBreakerSeconds = 30;

    public int InitialDelayMilliseconds { get; init; } = DefaultInitialDelayMilliseconds;

    public int MaxDelaySeconds { get; init; } = DefaultMaxDelaySeconds;

    /// <summary>Link failures in a row (session, downloads, submissions together) that open the circuit.</summary>
    public int BreakerFailures { get; init; } = DefaultBreakerFailures;

    /// <summary>How long an open circuit keeps every call to the coordinator from dialling.</summary>
    public int BreakerSeconds { get; init; } = DefaultBreakerSeconds;
}

/// <summary>Automatic renewal of the node's certificate over its session (docs/hospital-it.md, "Certificate lifecycle").</summary>
public sealed record CertificateConfig
{
    public const double DefaultRenewAt = 2.0 / 3.0;
    public const int DefaultRetryMaxDelaySeconds = 3600;

    /// <summary>The share of the certificate's lifetime after which the agent renews it (two thirds by default).</summary>
    public double RenewAt { get; init; } = DefaultRenewAt;

    /// <summary>The longest wait between two failed renewal attempts (they back off exponentially, with jitter, up to it).</summary>
    public int RetryMaxDelaySeconds { get; init; } = DefaultRetryMaxDelaySeconds;
}

/// <summary>A configuration, or every problem that kept it from being one.</summary>
public sealed record ConfigLoadResult(NodeConfig? Config, IReadOnlyList<YamlError> Errors)
{
    public bool IsValid => Config is not null && Errors.Count == 0;

    /// <summary>Every error on its own line, for a command line.</summary>
    public string Describe() => string.Join(Environment.NewLine, Errors);
}
