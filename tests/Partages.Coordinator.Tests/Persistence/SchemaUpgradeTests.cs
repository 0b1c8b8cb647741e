using System.Data.Common;
using Microsoft.EntityFrameworkCore;

namespace Partages.Coordinator.Tests.Persistence;

/// <summary>A coordinator.db written by an earlier version (columns it did not have yet) is brought up to date at start.</summary>
public sealed class SchemaUpgradeTests : DataDirFixture
{
    private static readonly string[] AuditColumns =
    [
        nameof(NodeEntity.AuditHeadSequence), nameof(NodeEntity.AuditHeadSha256), nameof(NodeEntity.AuditHeadSignature),
        nameof(NodeEntity.AuditHeadRecordedAt), nameof(NodeEntity.AuditWarning), nameof(NodeEntity.AuditWarningAt),
    ];

    [Test]
    public async Task Initialize_DatabaseFromBeforeTheAuditAnchor_AddsTheColumnsAndKeepsTheNodes()
    {
        await EarlierDatabaseAsync("nodes", AuditColumns, db => db.Nodes.Add(new NodeEntity { Id = "node_1", Name = "chu-a", CertificateSha256 = new string('a', 64), CertificatePem = "" }));

        await using var db = await InitializedAsync();
        var node = await db.Nodes.SingleAsync();

        node.Name.Should().Be("chu-a");
        node.AuditHeadSequence.Should().BeNull();
        node.AuditWarning.Should().BeEmpty();
    }

    [Test]
    public async Task Initialize_DatabaseFromBeforeTheProgressUnit_AddsTheColumnWithNoUnitAsDefault()
    {
        await EarlierDatabaseAsync("runs", [nameof(RunEntity.ProgressUnit)]);

        await using var db = await InitializedAsync();
        await using var columns = (await OpenAsync(db)).CreateCommand();
        columns.CommandText = "SELECT dflt_value FROM pragma_table_info('runs') WHERE name = '" + nameof(RunEntity.ProgressUnit) + "';";

        (await columns.ExecuteScalarAsync()).Should().Be("'" + nameof(RunProgressUnit.None) + "'");
        (await db.Runs.CountAsync()).Should().Be(0);
    }

    /// <summary>What a coordinator.db created by the earlier version looks like: today's schema without <paramref name="columns"/> of <paramref name="table"/>.</summary>
    private async Task EarlierDatabaseAsync(string table, IEnumerable<string> columns, Action<CoordinatorDbContext>? seed = null)
    {
        await using var db = await InitializedAsync();
        seed?.Invoke(db);
        await db.SaveChangesAsync();
        var connection = await OpenAsync(db);
        foreach (var column in columns)
        {
            await using var drop = connection.CreateCommand();
            drop.CommandText = $"ALTER TABLE {table} DROP COLUMN \"{column}\";";
            await drop.ExecuteNonQueryAsync();
        }
    }

    private async Task<CoordinatorDbContext> InitializedAsync()
    {
        var db = new CoordinatorDbContext(CoordinatorDatabase.Options(DataDir));
        await CoordinatorDatabase.InitializeAsync(db, CancellationToken.None);
        return db;
    }

    private static async Task<DbConnection> OpenAsync(CoordinatorDbContext db)
    {
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        return connection;
    }
}
