namespace Partages.Coordinator.Persistence;

/// <summary>Applies the migrations (creating the schema on first start) and, on SQLite, switches to WAL before anything else starts.</summary>
public sealed class DatabaseInitializer(IDbContextFactory<CoordinatorDbContext> dbFactory) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await CoordinatorDatabase.InitializeAsync(db, cancellationToken).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
