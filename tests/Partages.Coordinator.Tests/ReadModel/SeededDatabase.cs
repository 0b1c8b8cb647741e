using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Partages.Coordinator.Persistence;
using Partages.Coordinator.ReadModel;
using Partages.Coordinator.Sessions;
using Partages.Coordinator.Tests.Infrastructure;

namespace Partages.Coordinator.Tests.ReadModel;

/// <summary>A coordinator.db in a temp data dir, written directly, with the read model over it (no server).</summary>
public sealed class SeededDatabase : IDbContextFactory<CoordinatorDbContext>, IAsyncDisposable
{
    public static readonly DateTimeOffset Now = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    private readonly string _dataDir = TestCoordinator.NewDataDir();
    private readonly DbContextOptions<CoordinatorDbContext> _options;

    private SeededDatabase()
    {
        _options = CoordinatorDatabase.Options(_dataDir);
        Model = new CoordinatorReadModel(this, new NodeSessionRegistry());
    }

    public CoordinatorReadModel Model { get; }

    public string DataDir => _dataDir;

    public static async Task<SeededDatabase> CreateAsync()
    {
        var database = new SeededDatabase();
        await using var db = database.CreateDbContext();
        await CoordinatorDatabase.InitializeAsync(db, CancellationToken.None);
        return database;
    }

    public CoordinatorDbContext CreateDbContext() => new(_options);

    /// <summary>An evaluation owned by <paramref name="owner"/> with one run per given run (ids and evaluation filled in).</summary>
    public async Task<string> AddEvaluationAsync(string owner, params (RunEntity Run, RunStatus[] History)[] runs)
    {
        var id = "ev_" + Guid.NewGuid().ToString("N");
        await using var db = CreateDbContext();
        var evaluation = new EvaluationEntity
        {
            Id = id, Name = "amr", SpecYaml = "", SpecSha256 = new string('a', 64), ModelBundleSha256 = new string('b', 64), Owner = owner,
            Task = "single_label_classification", Dataset = "amr-reports", LabelsJson = """["BLSE","EPC"]""", MinSites = 1,
            Status = EvaluationStatus.Running, CreatedAt = Now, Deadline = Now.AddDays(1),
        };
        foreach (var (run, history) in runs)
        {
            evaluation.Runs.Add(run);
            db.RunStateHistory.AddRange(history.Select(s => new RunStateHistoryEntity { RunId = run.Id, State = s, At = Now }));
        }

        db.Evaluations.Add(evaluation);
        await db.SaveChangesAsync();
        return id;
    }

    public static RunEntity Run(string node, RunStatus status, long done, long total, RunProgressUnit unit = RunProgressUnit.None) => new()
    {
        Id = "run_" + Guid.NewGuid().ToString("N"), EvaluationId = "", NodeName = node, Status = status,
        Done = done, Total = total, ProgressUnit = unit, UpdatedAt = Now,
    };

    public async ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        await Task.Yield();
        Directory.Delete(_dataDir, recursive: true);
    }
}
