using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Partages.Evaluation.Privacy;
using Partages.NodeAgent.Artifacts;
using Partages.NodeAgent.Audit;
using Partages.NodeAgent.Connectivity;
using Partages.NodeAgent.Enrollment;
using Partages.NodeAgent.Health;
using Partages.NodeAgent.Jobs;
using Partages.NodeAgent.Policy;
using Partages.NodeAgent.ReleaseGate;
using Partages.NodeAgent.Session;
using Partages.NodeAgent.Admission;

namespace Partages.NodeAgent.Hosting;

/// <summary>Registers each part of the agent; the host's <c>run</c> command and the tests call these.</summary>
public static class NodeAgentServices
{
    /// <summary>Everything the long-running agent needs, except the evaluation engine (see <see cref="EngineRegistration"/>).</summary>
    public static IServiceCollection AddNodeAgent(this IServiceCollection services, NodeConfig config, NodeIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(identity);
        services.AddSingleton(config);
        services.AddSingleton(identity);
        services.TryAddSingleton(TimeProvider.System);
        return services
            .AddAgentOptions(config)
            .AddConnectivity()
            .AddArtifacts()
            .AddAudit()
            .AddNodePolicy()
            .AddNodeAdmission()
            .AddReleaseGate()
            .AddJobs()
            .AddHealth()
            .AddSession()
            .AddCertificateRenewal();
    }

    /// <summary>The identity in use (replaced by each renewal) and the renewal itself, after the session it reconnects.</summary>
    public static IServiceCollection AddCertificateRenewal(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => new CurrentIdentity(sp.GetRequiredService<NodeIdentity>()));
        services.TryAddSingleton<CertificateRenewer>();
        services.AddHostedService(sp => sp.GetRequiredService<CertificateRenewer>());
        return services;
    }

    public static IServiceCollection AddAgentOptions(this IServiceCollection services, NodeConfig config)
    {
        services.AddSingleton<IValidateOptions<AgentOptions>, AgentOptionsValidator>();
        services.AddOptions<AgentOptions>()
            .Configure(options => AgentOptions.FromConfig(config).CopyTo(options))
            .ValidateOnStart();
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<AgentOptions>>().Value);
        return services;
    }

    public static IServiceCollection AddConnectivity(this IServiceCollection services)
    {
        services.TryAddSingleton<CoordinatorChannel>();
        services.TryAddSingleton<CoordinatorLinkBreaker>();
        return services;
    }

    public static IServiceCollection AddArtifacts(this IServiceCollection services)
    {
        services.TryAddSingleton<IArtifactSource, GrpcArtifactSource>();
        services.TryAddSingleton(sp => new ArtifactStore(
            sp.GetRequiredService<NodeConfig>().ArtifactsDirectory,
            sp.GetRequiredService<IArtifactSource>(),
            sp.GetRequiredService<AgentOptions>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<ArtifactStore>>()));
        return services;
    }

    /// <summary>The release gate's own directory: the privacy ledger and the repeat cache.</summary>
    public static string ReleaseDirectory(NodeConfig config) => Path.Combine(config.DataDirectory, "release");

    public static IServiceCollection AddReleaseGate(this IServiceCollection services)
    {
        services.TryAddSingleton<IResultTransport, GrpcResultTransport>();
        services.TryAddSingleton<ICountNoise>(DiscreteGaussianNoise.Instance);
        services.TryAddSingleton(sp => new PrivacyAccountant(ReleaseDirectory(sp.GetRequiredService<NodeConfig>()), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new ReleaseCache(Path.Combine(ReleaseDirectory(sp.GetRequiredService<NodeConfig>()), "released")));
        services.TryAddSingleton<SecureSum.SecureSumContribution>();
        services.TryAddSingleton<ResultReleaseGate>();
        return services;
    }

    public static IServiceCollection AddJobs(this IServiceCollection services)
    {
        services.TryAddSingleton<JobRunner>();
        return services;
    }

    /// <summary>The status file the <c>health</c> probe reads; the session keeps it current.</summary>
    public static IServiceCollection AddHealth(this IServiceCollection services)
    {
        services.TryAddSingleton<AgentStatus>();
        return services;
    }

    public static IServiceCollection AddSession(this IServiceCollection services)
    {
        services.TryAddSingleton<Outbox>();
        services.TryAddSingleton<DatasetCatalog>();
        services.TryAddSingleton<SessionWorker>();
        // Stopped in reverse order: the job runner first (its runs report "stopped"), then the session, which
        // flushes those messages before it closes the stream.
        services.AddHostedService(sp => sp.GetRequiredService<SessionWorker>());
        services.AddHostedService(sp => sp.GetRequiredService<JobRunner>());
        return services;
    }
}
