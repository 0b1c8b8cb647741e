using System.Data.Common;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Partages.Coordinator.Persistence;

/// <summary>
/// A coordinator.db created before migrations: coordinators up to this change created the schema with EnsureCreated,
/// which leaves no <c>__EFMigrationsHistory</c>, and added later columns themselves at start. Such a file is brought to
/// the last schema EnsureCreated made (the columns below, added as those coordinators added them), which is exactly
/// what the first migration creates, and that migration is recorded as applied; the migrations after it then run as
/// on any database. PostgreSQL was never used before migrations, so this is SQLite only.
/// </summary>
public static class LegacySchema
{
    /// <summary>The migration whose schema is the one EnsureCreated made last (Migrations/Sqlite).</summary>
    public const string BaselineMigration = "20261207125424_InitialCreate";

    /// <summary>Columns added after the first EnsureCreated schema, with how the coordinators of that time added them.</summary>
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
        ("runs", nameof(RunEntity.Released) + "_" + nameof(Telemetry.ReleasedFigures.DocumentsRead), "INTEGER NULL"),
        ("runs", nameof(RunEntity.Released) + "_" + nameof(Telemetry.ReleasedFigures.Epsilon), "REAL NULL"),
    ];

    /// <summary>If <paramref name="db"/> is a SQLite database from before migrations, completes its columns and records the baseline migration.</summary>
    public static async Task<bool> AdoptAsync(CoordinatorDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var history = db.GetService<IHistoryRepository>();
            if (!await TableExistsAsync(connection, "nodes", cancellationToken).ConfigureAwait(false)
                || await history.ExistsAsync(cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await AddMissingColumnsAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, transaction, history.GetCreateScript(), cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, transaction, history.GetInsertScript(new HistoryRow(BaselineMigration, ProductInfo.GetVersion())), cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        finally
        {
            await db.Database.CloseConnectionAsync().ConfigureAwait(false);
        }
    }

    private static async Task AddMissingColumnsAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        foreach (var table in AddedColumns.Select(c => c.Table).Distinct(StringComparer.Ordinal))
        {
            var existing = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            await using (var query = connection.CreateCommand())
            {
                query.Transaction = transaction;
                query.CommandText = "SELECT name FROM pragma_table_info($table);";
                AddParameter(query, "$table", table);
                await using var reader = await query.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    existing.Add(reader.GetString(0));
                }
            }

            foreach (var (_, column, definition) in AddedColumns.Where(c => c.Table == table && !existing.Contains(c.Column)))
            {
                // Names and definitions are the constants above, never input: nothing to inject.
                await ExecuteAsync(connection, transaction, "ALTER TABLE \"" + table + "\" ADD COLUMN \"" + column + "\" " + definition + ";", cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static async Task<bool> TableExistsAsync(DbConnection connection, string table, CancellationToken cancellationToken)
    {
        await using var query = connection.CreateCommand();
        query.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $name;";
        AddParameter(query, "$name", table);
        return Convert.ToInt64(await query.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture) > 0;
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static void AddParameter(DbCommand command, string name, string value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
