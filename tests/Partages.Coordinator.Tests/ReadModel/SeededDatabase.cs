using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Partages.Coordinator.Sessions;

namespace Partages.Coordinator.Tests.ReadModel;

/// <summary>The coordinator's database (a coordinator.db in a temp data dir, or a PostgreSQL database), written directly, with the read model over it (no server).</summary>
public sealed class SeededDatabase : IDbContextFactory<CoordinatorDbContext>, IAsyncDisposable
{
    public static readonly DateTimeOffset Now = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    private readonly string _dataDir = TestCoordinator.NewDataDir();
    private readonly TestDatabase _database;
    private readonly IDbContextFactory<CoordinatorDbContext> _factory;

    private SeededDatabase(TestDatabase database)
    {
        _database = database;
        _factory = CoordinatorDatabase.Factory(database.Settings(_dataDir));
        Model = new CoordinatorReadModel(this, new NodeSessionRegistry());
    }

    public TestDatabaseKind Kind => _database.Kind;

    public CoordinatorReadModel Model { get; }

    public string DataDir => _dataDir;

    public static async Task<SeededDatabase> CreateAsync(TestDatabaseKind kind = TestDatabaseKind.Sqlite)
    {
        var database = new SeededDatabase(await TestDatabase.CreateAsync(kind, nameof(SeededDatabase)));
        await using var db = database.CreateDbContext();
        await CoordinatorDatabase.InitializeAsync(db, CancellationToken.None);
        return database;
    }

    public CoordinatorDbContext CreateDbContext() => _factory.CreateDbContext();

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
        foreach (var (run, _) in runs)
        {
            WriteProgress(db, run);
        }

        await db.SaveChangesAsync();
        return id;
    }

    /// <summary>
    /// A run row as it stands in the database. Progress is written through EF Core (the entity only changes it through
    /// its lifecycle methods), since a seeded row stands for any history, including rows older than the current code.
    /// </summary>
    public static RunEntity Run(string node, RunStatus status, long done, long total, RunProgressUnit unit = RunProgressUnit.None)
    {
        var run = new RunEntity { Id = "run_" + Guid.NewGuid().ToString("N"), EvaluationId = "", NodeName = node, Status = status };
        Progress.Add(run, Tuple.Create(done, total, unit));
        return run;
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<RunEntity, Tuple<long, long, RunProgressUnit>> Progress = [];

    private static void WriteProgress(CoordinatorDbContext db, RunEntity run)
    {
        var entry = db.Entry(run);
        entry.Property(r => r.UpdatedAt).CurrentValue = Now;
        if (Progress.TryGetValue(run, out var progress))
        {
            entry.Property(r => r.Done).CurrentValue = progress.Item1;
            entry.Property(r => r.Total).CurrentValue = progress.Item2;
            entry.Property(r => r.ProgressUnit).CurrentValue = progress.Item3;
        }
    }

    public async ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        await _database.DisposeAsync();
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }
}
