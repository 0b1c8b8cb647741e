using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Partages.Coordinator.Tests.Persistence;

/// <summary>
/// A coordinator.db created by a coordinator from before migrations (EnsureCreated: Schemas/ensure-created.sql, and
/// older files lacking the columns added since) is taken over at start: its data kept, the first migration recorded as
/// applied, the later ones applied, and its schema the same as a new database's.
/// </summary>
public sealed class SchemaUpgradeTests : DataDirFixture
{
    private const string ResultJson = """{"input_summary": {"documents_read": 215}, "release": {"withheld_sections": [], "differential_privacy": {"mechanism": "discrete_gaussian", "epsilon": 0.75}}}""";

    private static readonly string[] AuditColumns =
    [
        nameof(NodeEntity.AuditHeadSequence), nameof(NodeEntity.AuditHeadSha256), nameof(NodeEntity.AuditHeadSignature),
        nameof(NodeEntity.AuditHeadRecordedAt), nameof(NodeEntity.AuditWarning), nameof(NodeEntity.AuditWarningAt),
    ];

    [Test]
    public async Task StartAsync_EnsureCreatedDatabaseWithData_KeepsTheDataAndEndsOnTheCurrentSchema()
    {
        await EnsureCreatedDatabaseAsync(DataDir);
        await ExecuteAsync(DataDir, SeedSql);

        await new DatabaseInitializer(Factory(DataDir)).StartAsync(CancellationToken.None);

        await using (var db = Factory(DataDir).CreateDbContext())
        {
            (await db.Nodes.SingleAsync()).Should().Match<NodeEntity>(n => n.Name == "chu-a" && n.AgentVersion == "agent/1" && !n.Revoked);
            (await db.ApiTokens.SingleAsync()).Role.Should().Be(ApiRole.Evaluator);
            var evaluation = await db.Evaluations.Include(e => e.Runs).SingleAsync();
            evaluation.Should().Match<EvaluationEntity>(e => e.Name == "amr" && e.Status == EvaluationStatus.Completed && e.PooledResultJson == "{}");
            var run = evaluation.Runs.Single();
            (run.Status, run.ResultJson, run.Done, run.Total).Should().Be((RunStatus.Succeeded, ResultJson, 215L, 215L));
            // Filled at start from the stored result, as for any run stored before the columns were.
            run.Released.Should().Be(new Coordinator.Telemetry.ReleasedFigures(215, 0.75));
            (await db.RunStateHistory.CountAsync()).Should().Be(2);
            (await db.Database.GetAppliedMigrationsAsync()).Should().Equal(db.Database.GetMigrations());
            (await db.Database.GetPendingMigrationsAsync()).Should().BeEmpty();
        }

        await AssertSameSchemaAsNewDatabaseAsync();
    }

    [Test]
    public async Task StartAsync_EnsureCreatedDatabaseFromBeforeTheAuditAnchor_AddsTheColumnsAndKeepsTheNodes()
    {
        await EnsureCreatedDatabaseAsync(DataDir, ("nodes", AuditColumns));
        await ExecuteAsync(DataDir, """
            INSERT INTO nodes (Id, Name, CertificateSha256, CertificatePem, CertificateNotAfter, EnrolledAt, Revoked, AgentVersion, OnnxRuntimeVersion, DatasetsJson, MaxConcurrentRuns)
            VALUES ('node_1', 'chu-a', 'aaaa', '', 0, 0, 0, '', '', '[]', 1);
            """);

        await new DatabaseInitializer(Factory(DataDir)).StartAsync(CancellationToken.None);

        await using var db = Factory(DataDir).CreateDbContext();
        var node = await db.Nodes.SingleAsync();
        node.Name.Should().Be("chu-a");
        node.AuditHeadSequence.Should().BeNull();
        node.AuditWarning.Should().BeEmpty();
        await AssertSameSchemaAsNewDatabaseAsync();
    }

    [Test]
    public async Task StartAsync_EnsureCreatedDatabaseFromBeforeTheProgressUnit_AddsTheColumnWithNoUnitAsDefault()
    {
        await EnsureCreatedDatabaseAsync(DataDir, ("runs", [nameof(RunEntity.ProgressUnit)]));

        await new DatabaseInitializer(Factory(DataDir)).StartAsync(CancellationToken.None);

        await using var connection = await OpenAsync(DataDir);
        await using var columns = connection.CreateCommand();
        columns.CommandText = "SELECT dflt_value FROM pragma_table_info('runs') WHERE name = '" + nameof(RunEntity.ProgressUnit) + "';";
        (await columns.ExecuteScalarAsync()).Should().Be("'" + nameof(RunProgressUnit.None) + "'");
        await AssertSameSchemaAsNewDatabaseAsync();
    }

    [Test]
    public async Task StartAsync_MigratedDatabase_IsNotTakenOverAgainAndKeepsItsHistory()
    {
        await new DatabaseInitializer(Factory(DataDir)).StartAsync(CancellationToken.None);
        await using var db = Factory(DataDir).CreateDbContext();
        var applied = (await db.Database.GetAppliedMigrationsAsync()).ToList();

        (await LegacySchema.AdoptAsync(db, CancellationToken.None)).Should().BeFalse();
        await new DatabaseInitializer(Factory(DataDir)).StartAsync(CancellationToken.None);

        applied.Should().Equal(db.Database.GetMigrations());
        (await db.Database.GetAppliedMigrationsAsync()).Should().Equal(applied);
    }

    [Test]
    public async Task StartAsync_MigratedDatabaseWithAStaleMigrationLock_StartsWithoutWaitingForIt()
    {
        await new DatabaseInitializer(Factory(DataDir)).StartAsync(CancellationToken.None);
        // What a coordinator killed while holding EF Core's SQLite migration lock leaves behind.
        await ExecuteAsync(DataDir, "CREATE TABLE IF NOT EXISTS \"__EFMigrationsLock\" (\"Id\" INTEGER NOT NULL PRIMARY KEY, \"Timestamp\" TEXT NOT NULL); INSERT INTO \"__EFMigrationsLock\" VALUES (1, '2026-12-07 00:00:00');");
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var start = () => new DatabaseInitializer(Factory(DataDir)).StartAsync(bound.Token);

        await start.Should().NotThrowAsync("nothing is pending, so the lock is not taken");
    }

    private const string SeedSql = """
        INSERT INTO nodes (Id, Name, CertificateSha256, CertificatePem, CertificateNotAfter, EnrolledAt, Revoked, AgentVersion, OnnxRuntimeVersion, DatasetsJson, MaxConcurrentRuns, AuditWarning)
        VALUES ('node_1', 'chu-a', 'aaaa', '-----BEGIN CERTIFICATE-----', 0, 0, 0, 'agent/1', '1.31.1', '[]', 2, '');
        INSERT INTO api_tokens (Name, TokenSha256, Role, CreatedAt) VALUES ('alice', 'bbbb', 'Evaluator', 0);
        INSERT INTO evaluations (Id, Name, SpecYaml, SpecSha256, ModelBundleSha256, Owner, Task, Dataset, LabelsJson, MinSites, Status, Reason, CreatedAt, Deadline, PooledResultJson, IncludedSitesJson, MissingSitesJson, TraceParent)
        VALUES ('ev_1', 'amr', 'name: amr', 'cccc', 'dddd', 'alice', 'single_label_classification', 'amr-reports', '["A","B"]', 1, 'Completed', '', 0, 0, '{}', '["chu-a"]', '[]', '');
        INSERT INTO runs (Id, EvaluationId, NodeName, Status, Reason, Done, Total, ProgressUnit, Attempts, UpdatedAt, ResultJson, ResultSha256, ManifestJson)
        VALUES ('run_1', 'ev_1', 'chu-a', 'Succeeded', '', 215, 215, 'Documents', 1, 0, '{"input_summary": {"documents_read": 215}, "release": {"withheld_sections": [], "differential_privacy": {"mechanism": "discrete_gaussian", "epsilon": 0.75}}}', 'eeee', '');
        INSERT INTO run_state_history (RunId, State, Reason, At) VALUES ('run_1', 'Running', '', 0), ('run_1', 'Succeeded', '', 0);
        """;

    /// <summary>The data dir's schema equals that of a new data dir (tables, columns with type, nullability and key, indexes, foreign keys).</summary>
    private async Task AssertSameSchemaAsNewDatabaseAsync()
    {
        var fresh = TestCoordinator.NewDataDir();
        try
        {
            await new DatabaseInitializer(Factory(fresh)).StartAsync(CancellationToken.None);
            var expected = await SchemaAsync(fresh);
            expected.Should().Contain(line => line.StartsWith("column runs.Released_Epsilon", StringComparison.Ordinal));
            (await SchemaAsync(DataDir)).Should().BeEquivalentTo(expected);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(fresh, recursive: true);
        }
    }

    /// <summary>
    /// One line per column, index and foreign key. Column defaults are left out: the columns older coordinators added
    /// by hand carry a DEFAULT (needed to add a NOT NULL column to a table with rows), which the model does not state.
    /// EF Core's lock table is left out too: Migrate creates it only when it had migrations to apply.
    /// </summary>
    private static async Task<List<string>> SchemaAsync(string dataDir)
    {
        await using var connection = await OpenAsync(dataDir);
        var lines = new List<string>();
        foreach (var sql in new[]
        {
            "SELECT 'column ' || m.name || '.' || p.name || ' ' || p.type || ' notnull=' || p.\"notnull\" || ' pk=' || p.pk FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '__EFMigrationsLock'",
            "SELECT 'index ' || m.name || '.' || i.name || ' unique=' || i.\"unique\" || ' (' || (SELECT group_concat(c.name, ',') FROM pragma_index_info(i.name) c) || ')' FROM sqlite_master m JOIN pragma_index_list(m.name) i WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '__EFMigrationsLock'",
            "SELECT 'fk ' || m.name || '.' || f.\"from\" || ' -> ' || f.\"table\" || '.' || f.\"to\" || ' on delete ' || f.on_delete FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f WHERE m.type = 'table'",
        })
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                lines.Add(reader.GetString(0));
            }
        }

        return lines;
    }

    /// <summary>What an earlier coordinator left: the EnsureCreated schema, without <paramref name="dropped"/> for files older still.</summary>
    private static async Task EnsureCreatedDatabaseAsync(string dataDir, params (string Table, string[] Columns)[] dropped)
    {
        DataDirectory.Secure(dataDir);
        await ExecuteAsync(dataDir, RepositoryFiles.Read("tests", "Partages.Coordinator.Tests", "Persistence", "Schemas", "ensure-created.sql"));
        foreach (var (table, columns) in dropped)
        {
            foreach (var column in columns)
            {
                await ExecuteAsync(dataDir, $"ALTER TABLE {table} DROP COLUMN \"{column}\";");
            }
        }
    }

    private static async Task ExecuteAsync(string dataDir, string sql)
    {
        await using var connection = await OpenAsync(dataDir);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<SqliteConnection> OpenAsync(string dataDir)
    {
        var connection = new SqliteConnection(CoordinatorDatabase.SqliteConnectionString(dataDir));
        await connection.OpenAsync();
        return connection;
    }

    private static IDbContextFactory<CoordinatorDbContext> Factory(string dataDir) => CoordinatorDatabase.Factory(DatabaseSettings.Sqlite(dataDir));
}
