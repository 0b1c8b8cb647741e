using Microsoft.Data.Sqlite;
using Partages.Coordinator.Results;

namespace Partages.Coordinator.Persistence;

/// <summary>
/// Opens the coordinator's database (SQLite <c>&lt;data-dir&gt;/coordinator.db</c>, or PostgreSQL) and brings its
/// schema up to date at start with the provider's migrations. On SQLite the journal is WAL, so the admin commands can
/// write while the server runs. A SQLite file created by a coordinator from before migrations (EnsureCreated) is taken
/// over first: see <see cref="LegacySchema"/>.
/// </summary>
public static class CoordinatorDatabase
{
    public const string FileName = "coordinator.db";

    public static string SqliteConnectionString(string dataDir) => new SqliteConnectionStringBuilder
    {
        DataSource = Path.Combine(dataDir, FileName),
        Mode = SqliteOpenMode.ReadWriteCreate,
        Pooling = true,
        DefaultTimeout = 30,
    }.ToString();

    /// <summary>A new context on <paramref name="settings"/>: the provider's own subclass, so Migrate finds its migrations.</summary>
    public static CoordinatorDbContext Create(DatabaseSettings settings) => Factory(settings).CreateDbContext();

    public static IDbContextFactory<CoordinatorDbContext> Factory(DatabaseSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.Provider switch
        {
            DatabaseProvider.Sqlite => new ContextFactory<SqliteCoordinatorDbContext>(
                new DbContextOptionsBuilder<SqliteCoordinatorDbContext>().UseSqlite(settings.ConnectionString).Options, o => new SqliteCoordinatorDbContext(o)),
            DatabaseProvider.PostgreSql => new ContextFactory<PostgreSqlCoordinatorDbContext>(
                new DbContextOptionsBuilder<PostgreSqlCoordinatorDbContext>().UseNpgsql(settings.ConnectionString).Options, o => new PostgreSqlCoordinatorDbContext(o)),
            _ => throw new ArgumentOutOfRangeException(nameof(settings), settings.Provider, "Unknown database provider."),
        };
    }

    /// <summary>Options built once, a context per call: what AddDbContextFactory does, for a context type chosen at start.</summary>
    private sealed class ContextFactory<TContext>(DbContextOptions<TContext> options, Func<DbContextOptions<TContext>, TContext> create) : IDbContextFactory<CoordinatorDbContext>
        where TContext : CoordinatorDbContext
    {
        public CoordinatorDbContext CreateDbContext() => create(options);
    }

    /// <summary>
    /// Brings the schema up to date: on SQLite secures the data dir, takes over a database from before migrations, and
    /// switches to WAL; on both, applies the pending migrations and fills what the migrations cannot (released figures
    /// of results stored before those columns existed).
    /// </summary>
    public static async Task InitializeAsync(CoordinatorDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (db.Database.IsSqlite())
        {
            var file = db.Database.GetDbConnection().DataSource;
            if (Path.GetDirectoryName(Path.GetFullPath(file)) is { Length: > 0 } folder)
            {
                DataDirectory.Secure(folder);
            }

            await LegacySchema.AdoptAsync(db, cancellationToken).ConfigureAwait(false);
        }

        await MigrateAsync(db, cancellationToken).ConfigureAwait(false);
        await ReleasedColumns.FillAsync(db, cancellationToken).ConfigureAwait(false);
        if (db.Database.IsSqlite())
        {
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Applies the pending migrations, and only when there are some: Migrate takes EF Core's migration lock first, which
    /// on SQLite is a row in <c>__EFMigrationsLock</c> that a killed process leaves behind, so that every later start
    /// (and every admin command, which initializes too) would wait for it forever. Taken only for an upgrade, the lock
    /// can be left only by an upgrade that was killed (docs/coordinator.md says how to clear it). A model changed without
    /// its migration is refused here as Migrate would refuse it.
    /// </summary>
    private static async Task MigrateAsync(CoordinatorDbContext db, CancellationToken cancellationToken)
    {
        if ((await db.Database.GetPendingMigrationsAsync(cancellationToken).ConfigureAwait(false)).Any())
        {
            await db.Database.MigrateAsync(cancellationToken).ConfigureAwait(false);
        }
        else if (db.Database.HasPendingModelChanges())
        {
            throw new InvalidOperationException($"The coordinator's model has changes that no migration of {db.GetType().Name} holds: add a migration (docs/coordinator.md, Database).");
        }
    }
}
