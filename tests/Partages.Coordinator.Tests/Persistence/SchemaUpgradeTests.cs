using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Partages.Coordinator.Tests.Persistence;

public sealed class SchemaUpgradeTests
{
    private static readonly string[] AuditColumns =
    [
        nameof(NodeEntity.AuditHeadSequence), nameof(NodeEntity.AuditHeadSha256), nameof(NodeEntity.AuditHeadSignature),
        nameof(NodeEntity.AuditHeadRecordedAt), nameof(NodeEntity.AuditWarning), nameof(NodeEntity.AuditWarningAt),
    ];

    [Test]
    public async Task Initialize_DatabaseFromBeforeTheAuditAnchor_AddsTheColumnsAndKeepsTheNodes()
    {
        var dataDir = TestCoordinator.NewDataDir();
        var options = CoordinatorDatabase.Options(dataDir);
        try
        {
            await using (var db = new CoordinatorDbContext(options))
            {
                await CoordinatorDatabase.InitializeAsync(db, CancellationToken.None);
                db.Nodes.Add(new NodeEntity { Id = "node_1", Name = "chu-a", CertificateSha256 = new string('a', 64), CertificatePem = "" });
                await db.SaveChangesAsync();
                var connection = db.Database.GetDbConnection();
                await connection.OpenAsync();
                foreach (var column in AuditColumns)
                {
                    // What a coordinator.db created by the previous version looks like.
                    await using var drop = connection.CreateCommand();
                    drop.CommandText = "ALTER TABLE nodes DROP COLUMN \"" + column + "\";";
                    await drop.ExecuteNonQueryAsync();
                }
            }

            await using (var db = new CoordinatorDbContext(options))
            {
                await CoordinatorDatabase.InitializeAsync(db, CancellationToken.None);
                var node = await db.Nodes.SingleAsync();

                node.Name.Should().Be("chu-a");
                node.AuditHeadSequence.Should().BeNull();
                node.AuditWarning.Should().BeEmpty();
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Test]
    public async Task Initialize_DatabaseFromBeforeTheProgressUnit_AddsTheColumnWithNoUnitAsDefault()
    {
        var dataDir = TestCoordinator.NewDataDir();
        var options = CoordinatorDatabase.Options(dataDir);
        try
        {
            await using (var db = new CoordinatorDbContext(options))
            {
                await CoordinatorDatabase.InitializeAsync(db, CancellationToken.None);
                var connection = db.Database.GetDbConnection();
                await connection.OpenAsync();
                // What a coordinator.db created before Run.progress_unit looks like.
                await using var drop = connection.CreateCommand();
                drop.CommandText = "ALTER TABLE runs DROP COLUMN \"" + nameof(RunEntity.ProgressUnit) + "\";";
                await drop.ExecuteNonQueryAsync();
            }

            await using (var db = new CoordinatorDbContext(options))
            {
                await CoordinatorDatabase.InitializeAsync(db, CancellationToken.None);
                var connection = db.Database.GetDbConnection();
                await connection.OpenAsync();
                await using var columns = connection.CreateCommand();
                columns.CommandText = "SELECT dflt_value FROM pragma_table_info('runs') WHERE name = '" + nameof(RunEntity.ProgressUnit) + "';";

                (await columns.ExecuteScalarAsync()).Should().Be("'" + nameof(RunProgressUnit.None) + "'");
                (await db.Runs.CountAsync()).Should().Be(0);
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
