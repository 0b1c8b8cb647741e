using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Partages.Coordinator.Telemetry;
using Partages.Coordinator.Tests.ReadModel;

namespace Partages.Coordinator.Tests.Results;

/// <summary>The figures a run shows of its result are stored at intake; a data directory from before them gets them at start.</summary>
public sealed class ReleasedColumnsTests
{
    private const string StoredResult = """{"input_summary": {"documents_read": 215}, "release": {"withheld_sections": [], "differential_privacy": {"mechanism": "discrete_gaussian", "epsilon": 0.75}}}""";

    [Test]
    public async Task Initialize_DatabaseFromBeforeTheReleasedColumns_AddsThemFilledFromTheStoredResults()
    {
        await using var database = await SeededDatabase.CreateAsync();
        var succeeded = SeededDatabase.Run("chu-a", RunStatus.Succeeded, 90, 100, RunProgressUnit.Documents);
        succeeded.ResultJson = StoredResult;
        var failed = SeededDatabase.Run("chu-b", RunStatus.Failed, 5, 10, RunProgressUnit.Documents);
        var id = await database.AddEvaluationAsync("alice", (succeeded, []), (failed, []));
        await using (var db = database.CreateDbContext())
        {
            // Such a file never had the migrations after the baseline (certificate renewal…): undo them first, so the
            // simulated file is the last EnsureCreated schema and not today's schema without its history.
            await db.GetService<IMigrator>().MigrateAsync(LegacySchema.BaselineMigration);
            var connection = db.Database.GetDbConnection();
            await connection.OpenAsync();
            // What a coordinator.db created by a version from before these columns looks like (EnsureCreated, no migrations history).
            foreach (var sql in new[] { "ALTER TABLE runs DROP COLUMN \"Released_DocumentsRead\";", "ALTER TABLE runs DROP COLUMN \"Released_Epsilon\";", "DROP TABLE \"__EFMigrationsHistory\";" })
            {
                await using var drop = connection.CreateCommand();
                drop.CommandText = sql;
                await drop.ExecuteNonQueryAsync();
            }
        }

        await using (var db = database.CreateDbContext())
        {
            await CoordinatorDatabase.InitializeAsync(db, CancellationToken.None);
        }

        await using (var db = database.CreateDbContext())
        {
            var runs = await db.Runs.OrderBy(r => r.NodeName).Select(r => r.Released).ToListAsync();
            runs.Should().Equal(new ReleasedFigures(215, 0.75), ReleasedFigures.None);
        }

        var view = await database.Model.EvaluationAsync(new("wall-screen", ApiRole.Viewer), id, CancellationToken.None);
        view!.Runs[0].Should().Match<RunView>(r => r.Done == 215 && r.Total == 215 && r.Epsilon == 0.75);
    }

    [Test]
    public void From_ParsedDocument_SameFiguresAsReadingTheStoredJson()
    {
        var json = Evaluations.SiteResult([[3, 1], [0, 4]], ["A", "B"]);

        ReleasedFigures.From(ResultJson.DeserializeSite(json)).Should().Be(ReleasedFigures.Read(json));
        ReleasedFigures.From(ResultJson.DeserializeSite(json)).DocumentsRead.Should().Be(8);
    }
}
