using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Partages.Coordinator.Artifacts;
using Partages.Coordinator.Audit;
using Partages.Coordinator.Pki;
using Partages.Coordinator.ReadModel;
using Partages.Coordinator.Replicas;
using Partages.Coordinator.Scheduling;
using Partages.Coordinator.Sessions;

namespace Partages.Coordinator.Hosting;

/// <summary>One registration method per part of the coordinator; Program.cs calls them in order.</summary>
public static class CoordinatorServiceCollectionExtensions
{
    /// <summary>
    /// Persistence/: the database (SQLite in the data dir, or PostgreSQL), its migrations applied (and SQLite set to
    /// WAL) before anything else starts.
    /// </summary>
    public static IServiceCollection AddCoordinatorPersistence(this IServiceCollection services, CoordinatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton(CoordinatorDatabase.Factory(DatabaseSettings.From(options.Database, options.DataDir)));
        services.AddHostedService<DatabaseInitializer>();
        return services;
    }

    /// <summary>Pki/: the coordinator's CA and the TLS server certificate, created in the data dir on first start.</summary>
    public static IServiceCollection AddCoordinatorPki(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<CoordinatorOptions>>().Value;
            var authority = CertificateAuthority.LoadOrCreate(options.DataDir, sp.GetRequiredService<TimeProvider>(), out var created);
            PkiLog.CaReady(sp.GetRequiredService<ILoggerFactory>().CreateLogger<CertificateAuthority>(), authority.Pin, created);
            return authority;
        });
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<CoordinatorOptions>>().Value;
            var time = sp.GetRequiredService<TimeProvider>();
            var certificate = sp.GetRequiredService<CertificateAuthority>().LoadOrCreateServerCertificate(options.ServerHostNames, time, out var created);
            if (created)
            {
                PkiLog.ServerCertificateIssued(sp.GetRequiredService<ILoggerFactory>().CreateLogger<CertificateAuthority>(), certificate.NotAfter);
            }

            return new ServerTls(sp.GetRequiredService<CertificateAuthority>(), certificate, time, sp.GetRequiredService<ILogger<ServerTls>>());
        });
        return services;
    }

    /// <summary>Enrollment/, Sessions/, Evaluators/: the three gRPC services and reflection (who may call what: Auth/).</summary>
    public static IServiceCollection AddCoordinatorGrpc(this IServiceCollection services, CoordinatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddGrpc(grpc =>
        {
            // Exception text reaches callers only when an operator switches this on.
            grpc.EnableDetailedErrors = options.EnableDetailedErrors;
            grpc.MaxReceiveMessageSize = 8 * 1024 * 1024;
            // A transient database failure inside a method: UNAVAILABLE with a retry delay, not UNKNOWN.
            grpc.Interceptors.Add<TransientDatabaseAnswers.Interceptor>();
        });
        services.AddGrpcReflection();
        return services;
    }

    /// <summary>
    /// Sessions/: who is connected (with replicas, a node seen by another replica within two heartbeat periods and
    /// 5 s counts as online too); Audit/: the nodes' audit anchors.
    /// </summary>
    public static IServiceCollection AddNodeSessions(this IServiceCollection services) =>
        services.AddSingleton(sp =>
            {
                var options = sp.GetRequiredService<IOptions<CoordinatorOptions>>().Value;
                var replicas = DatabaseSettings.From(options.Database, options.DataDir).Provider == DatabaseProvider.PostgreSql;
                return new NodeSessionRegistry(sp.GetService<TimeProvider>(),
                    replicas ? TimeSpan.FromSeconds((2 * options.HeartbeatIntervalSeconds) + 5) : null);
            })
            .AddSingleton<AuditAnchors>().AddSingleton<Pki.CertificateRenewal>();

    /// <summary>
    /// Scheduling/: the run ledger and the parts that write through it (submission, sessions and their inbox, results,
    /// cancellation, leases), change notifications for watchers, the lease monitor. Results/ is used from here.
    /// </summary>
    public static IServiceCollection AddScheduling(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<EvaluationChangeNotifier>();
        services.AddSingleton<RunLedger>();
        services.AddSingleton<EvaluationSubmission>();
        services.AddSingleton<NodeReconnection>();
        services.AddSingleton<SessionMessages>();
        services.AddSingleton<SessionInbox>();
        services.AddSingleton<ResultAcceptance>();
        services.AddSingleton<EvaluationCancellation>();
        services.AddSingleton<LeaseKeeper>();
        services.AddSingleton<RunScheduler>();
        services.AddSingleton<CoordinatorReadModel>();
        services.AddSingleton<LiveEvaluations>();
        // Replicas sharing PostgreSQL tell each other what only another can do (LISTEN/NOTIFY); nothing with SQLite.
        services.AddSingleton<ReplicaBus>();
        services.AddHostedService(sp => sp.GetRequiredService<ReplicaBus>());
        SecureAggregation.SecureSumServices.AddSecureAggregation(services);
        services.AddHostedService<LeaseMonitor>();
        return services;
    }

    /// <summary>Artifacts/: the content-addressed store and its streaming upload and download.</summary>
    public static IServiceCollection AddArtifacts(this IServiceCollection services)
    {
        services.AddSingleton<ArtifactStore>();
        services.AddSingleton<ArtifactTransfer>();
        return services;
    }

    /// <summary>
    /// Liveness (/healthz), readiness (/readyz: the database answers), and the same over grpc.health.v1: for the server
    /// as a whole ("") and for each service by its full name (partages.v1.EvaluationService, ...), so a load balancer
    /// or a client probing one service gets an answer instead of NOT_FOUND. Every service needs the database, so each
    /// runs the readiness checks.
    /// </summary>
    public static IServiceCollection AddCoordinatorHealth(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        services.AddGrpcHealthChecks(health =>
        {
            // "" (the server as a whole) runs every check, as it did before services had their own names.
            health.Services.Remove("");
            health.Services.Map("", _ => true);
            foreach (var service in HealthServiceNames)
            {
                health.Services.Map(service, check => check.Tags.Contains("ready"));
            }
        });
        return services;
    }

    /// <summary>The services the gRPC health service answers for by name, besides "" (the whole server).</summary>
    public static IReadOnlyList<string> HealthServiceNames { get; } =
    [
        Contracts.V1.EnrollmentService.Descriptor.FullName,
        Contracts.V1.NodeService.Descriptor.FullName,
        Contracts.V1.EvaluationService.Descriptor.FullName,
    ];
}
