using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Partages.Coordinator.Persistence;

/// <summary>Opens <c>&lt;data-dir&gt;/coordinator.db</c>: the schema is created on first use and the journal is WAL, so the
/// admin commands can write while the server runs.</summary>
public static class CoordinatorDatabase
{
    public const string FileName = "coordinator.db";

    public static string ConnectionString(string dataDir) => new SqliteConnectionStringBuilder
    {
        DataSource = Path.Combine(dataDir, FileName),
        Mode = SqliteOpenMode.ReadWriteCreate,
        Pooling = true,
        DefaultTimeout = 30,
    }.ToString();

    public static void Configure(DbContextOptionsBuilder builder, string dataDir)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseSqlite(ConnectionString(dataDir));
    }

    public static DbContextOptions<CoordinatorDbContext> Options(string dataDir)
    {
        var builder = new DbContextOptionsBuilder<CoordinatorDbContext>();
        Configure(builder, dataDir);
        return builder.Options;
    }

    /// <summary>Creates the folder, the schema (first use) and switches the file to WAL.</summary>
    public static async Task InitializeAsync(CoordinatorDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var file = db.Database.GetDbConnection().DataSource;
        if (Path.GetDirectoryName(Path.GetFullPath(file)) is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
        }

        await db.Database.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken).ConfigureAwait(false);
    }
}
