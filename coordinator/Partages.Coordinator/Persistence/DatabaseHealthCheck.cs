using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Partages.Coordinator.Persistence;

/// <summary>Readiness: the database answers a query.</summary>
public sealed class DatabaseHealthCheck(IDbContextFactory<CoordinatorDbContext> dbFactory) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        return await db.Database.CanConnectAsync(cancellationToken).ConfigureAwait(false)
            ? HealthCheckResult.Healthy("The database answers.")
            : HealthCheckResult.Unhealthy("The database does not answer.");
    }
}
