using Microsoft.Data.Sqlite;
using Partages.Coordinator.Results;
using Partages.Coordinator.Telemetry;

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
            DataDirectory.Secure(folder);
        }

        await db.Database.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        await AddMissingColumnsAsync(db, cancellationToken).ConfigureAwait(false);
        await ReleasedColumns.FillAsync(db, cancellationToken).ConfigureAwait(false);
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Columns added since the schema was first created. EnsureCreated creates a missing database but never alters an
    /// existing one, so a coordinator upgraded in place adds them here (SQLite fills NULL, or the default, in old rows).
    /// </summary>
    private static readonly (string Table, string Column, string Definition)[] AddedColumns =
    [
        ("nodes", nameof(NodeEntity.AuditHeadSequence), "INTEGER NULL"),
        ("nodes", nameof(NodeEntity.AuditHeadSha256), "TEXT NULL"),
        ("nodes", nameof(NodeEntity.AuditHeadSignature), "BLOB NULL"),
        ("nodes", nameof(NodeEntity.AuditHeadRecordedAt), "INTEGER NULL"),
        ("nodes", nameof(NodeEntity.AuditWarning), "TEXT NOT NULL DEFAULT ''"),
        ("nodes", nameof(NodeEntity.AuditWarningAt), "INTEGER NULL"),
        ("runs", nameof(RunEntity.ProgressUnit), "TEXT NOT NULL DEFAULT '" + nameof(RunProgressUnit.None) + "'"),
        ("runs", nameof(RunEntity.WaitingSince), "INTEGER NULL"),
        ("runs", nameof(RunEntity.Released) + "_" + nameof(ReleasedFigures.DocumentsRead), "INTEGER NULL"),
        ("runs", nameof(RunEntity.Released) + "_" + nameof(ReleasedFigures.Epsilon), "REAL NULL"),
    ];

    private static async Task AddMissingColumnsAsync(CoordinatorDbContext db, CancellationToken cancellationToken)
    {
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var table in AddedColumns.Select(c => c.Table).Distinct(StringComparer.Ordinal))
            {
                var existing = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                await using (var query = connection.CreateCommand())
                {
                    query.CommandText = "SELECT name FROM pragma_table_info($table);";
                    var parameter = query.CreateParameter();
                    parameter.ParameterName = "$table";
                    parameter.Value = table;
                    query.Parameters.Add(parameter);
                    await using var reader = await query.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        existing.Add(reader.GetString(0));
                    }
                }

                foreach (var (_, column, definition) in AddedColumns.Where(c => c.Table == table && !existing.Contains(c.Column)))
                {
                    await using var alter = connection.CreateCommand();
                    // Names and definitions are the constants above, never input: nothing to inject.
                    alter.CommandText = "ALTER TABLE \"" + table + "\" ADD COLUMN \"" + column + "\" " + definition + ";";
                    await alter.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync().ConfigureAwait(false);
        }
    }
}
