using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Partages.NodeAgent.Enrollment;

namespace Partages.NodeAgent.Audit;

public static class AuditServices
{
    /// <summary>
    /// The one audit log writer of the agent (<see cref="IAuditLog"/>), at <c>&lt;data_directory&gt;/audit/audit.jsonl</c>,
    /// signing checkpoints with the node's enrolled key, and the anchoring of its head at the coordinator.
    /// </summary>
    public static IServiceCollection AddAudit(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => new AuditLog(
            sp.GetRequiredService<NodeConfig>().AuditDirectory,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<AuditLog>>(),
            sp.GetService<NodeIdentity>() is { } identity ? AuditSigner.From(identity) : null));
        services.TryAddSingleton<IAuditLog>(sp => sp.GetRequiredService<AuditLog>());
        services.TryAddSingleton<AuditAnchoring>();
        return services;
    }
}
