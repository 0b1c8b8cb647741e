namespace Partages.Gateway;

/// <summary>
/// The gateway's settings, section <c>Gateway</c> (environment <c>Gateway__Replicas__0=...</c>, command line
/// <c>--Gateway:Replicas:0=...</c>); checked at start by <see cref="GatewayOptionsValidator"/>, every error listed.
/// </summary>
public sealed class GatewayOptions
{
    public const string SectionName = "Gateway";

    /// <summary>The HTTPS endpoint the gateway listens on (<c>--urls</c>); port 0 picks a free one.</summary>
    public string Urls { get; set; } = "https://0.0.0.0:8443";

    /// <summary>Every coordinator replica, as the gateway reaches it (https://host:7443); the host must be in the replica's certificate.</summary>
    public List<string> Replicas { get; set; } = [];

    /// <summary>
    /// PEM file of the CA (or CAs, during a rotation) the replicas' server certificates chain to: the coordinator's
    /// <c>pki/ca.crt</c>. The machine's trust store plays no part, as for nodes and evaluators.
    /// </summary>
    public string ReplicaCaFile { get; set; } = "";

    /// <summary>The gateway's own server certificate.</summary>
    public GatewayTlsOptions Tls { get; set; } = new();

    /// <summary>Active checks: <c>GET /readyz</c> on every replica (the database answers).</summary>
    public int HealthCheckIntervalSeconds { get; set; } = 5;

    public int HealthCheckTimeoutSeconds { get; set; } = 3;

    /// <summary>Failed active checks in a row before a replica stops getting new requests.</summary>
    public int HealthCheckFailures { get; set; } = 2;

    /// <summary>How long a replica that failed requests (passive check: transport failures) is left out before it is tried again.</summary>
    public int PassiveReactivationSeconds { get; set; } = 30;

    /// <summary>
    /// How long a forwarded request may go without a byte either way before it is cancelled. Watches and server-sent
    /// event streams are quiet between changes, so this is long (YARP's default, 100 s, would cut them).
    /// </summary>
    public int StreamIdleTimeoutSeconds { get; set; } = 3600;
}

/// <summary>The gateway's server certificate: a PKCS#12 file, or a PEM certificate and key (a Kubernetes TLS secret).</summary>
public sealed class GatewayTlsOptions
{
    public string PfxFile { get; set; } = "";

    /// <summary>Password of <see cref="PfxFile"/>, if any (give it through the environment, not the command line).</summary>
    public string PfxPassword { get; set; } = "";

    public string CertificateFile { get; set; } = "";

    public string KeyFile { get; set; } = "";
}
