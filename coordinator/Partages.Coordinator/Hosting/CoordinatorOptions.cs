namespace Partages.Coordinator.Hosting;

/// <summary>
/// The coordinator's settings: configuration section <c>Coordinator</c> (appsettings.json, environment
/// variables <c>Coordinator__LeaseSeconds</c>, command line <c>--Coordinator:LeaseSeconds=5</c>).
/// Validated once at start by <see cref="CoordinatorOptionsValidator"/>, which lists every problem.
/// </summary>
public sealed class CoordinatorOptions
{
    public const string SectionName = "Coordinator";
    public const string DefaultUrls = "https://127.0.0.1:7443";

    /// <summary>Holds coordinator.db, pki/ and artifacts/. Required.</summary>
    public string DataDir { get; set; } = "";

    /// <summary>The one HTTPS endpoint (HTTP/1.1 and HTTP/2 through ALPN). Port 0 picks a free port.</summary>
    public string Urls { get; set; } = DefaultUrls;

    /// <summary>Extra DNS names or IP addresses for the server certificate, beyond localhost, 127.0.0.1 and ::1.</summary>
    public IList<string> ServerHostNames { get; } = [];

    /// <summary>How long a run stays alive without news from its node (heartbeat, progress) before it is failed.</summary>
    public int LeaseSeconds { get; set; } = 60;

    /// <summary>How often nodes are asked to send a heartbeat (sent to them in the Welcome). Must be below the lease.</summary>
    public int HeartbeatIntervalSeconds { get; set; } = 15;

    /// <summary>How often the lease monitor looks for expired leases and overdue evaluations.</summary>
    public int LeaseCheckIntervalSeconds { get; set; } = 5;

    /// <summary>How many times a run is offered again after its node lost it (reconnected without it) before it fails.</summary>
    public int MaxRunAttempts { get; set; } = 3;

    /// <summary>
    /// How long an evaluation still waits for nodes that were offline at submission once every other run is final and
    /// at least min_sites succeeded; then it completes without them, and they are listed as not participating.
    /// 0 closes it at the next lease check.
    /// </summary>
    public int OfflineGraceSeconds { get; set; } = 600;

    /// <summary>Largest model bundle accepted by UploadArtifact.</summary>
    public long MaxArtifactBytes { get; set; } = 4L * 1024 * 1024 * 1024;

    /// <summary>Validity of node certificates issued at enrollment and renewal.</summary>
    public int NodeCertificateDays { get; set; } = 365;

    /// <summary>
    /// When above 0, node certificates are valid this many minutes instead of <see cref="NodeCertificateDays"/>: for
    /// tests and rehearsals of renewal (a node renews at two thirds of its certificate's lifetime).
    /// </summary>
    public int NodeCertificateMinutes { get; set; }

    /// <summary>The validity of a node certificate issued now: backdated a little (a node's clock may lag), at most 5 minutes.</summary>
    public (DateTimeOffset NotBefore, DateTimeOffset NotAfter) NodeCertificateValidity(DateTimeOffset now)
    {
        var lifetime = NodeCertificateMinutes > 0 ? TimeSpan.FromMinutes(NodeCertificateMinutes) : TimeSpan.FromDays(NodeCertificateDays);
        // A short lifetime is backdated by a tenth of it at most, so the node's renewal point stays after issuance.
        var backdate = TimeSpan.FromTicks(Math.Min(TimeSpan.FromMinutes(5).Ticks, lifetime.Ticks / 10));
        return (now - backdate, now + lifetime);
    }

    /// <summary>Dashboard sign-in attempts allowed per client IP address and minute; more are answered 429 with Retry-After.</summary>
    public int LoginAttemptsPerMinute { get; set; } = 10;

    /// <summary>How long browsers remember to reach the coordinator over HTTPS only (the HSTS max-age); 0 sends no HSTS header.</summary>
    public int HstsMaxAgeDays { get; set; } = 365;

    /// <summary>How often open live streams (server-sent events, WatchEvaluation) check that their API token still exists.</summary>
    public int TokenCheckIntervalSeconds { get; set; } = 2;

    /// <summary>Send exception text to gRPC callers. For debugging only.</summary>
    public bool EnableDetailedErrors { get; set; }

    /// <summary>Where the state is kept: SQLite in the data dir (default) or PostgreSQL (section <c>Coordinator:Database</c>).</summary>
    public DatabaseOptions Database { get; } = new();

    public string DatabasePath => Path.Combine(DataDir, CoordinatorDatabase.FileName);
}
