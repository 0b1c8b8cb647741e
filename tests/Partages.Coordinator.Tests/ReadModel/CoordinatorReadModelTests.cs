using Partages.Coordinator.Evaluators;
using Partages.Coordinator.Telemetry;
using static Partages.Coordinator.Tests.ReadModel.SeededDatabase;

namespace Partages.Coordinator.Tests.ReadModel;

/// <summary>
/// Where the gRPC read side (EvaluationQueries) and the JSON one (ApiReadModel) used to disagree, and the answer both
/// now give from the one read model: each case is checked on the view (JSON API, dashboard) and on its message (gRPC).
/// </summary>
[TestFixture(TestDatabaseKind.Sqlite)]
[TestFixture(TestDatabaseKind.PostgreSql)]
public sealed class CoordinatorReadModelTests(TestDatabaseKind databaseKind)
{
    private static readonly EvaluatorIdentity Viewer = new("wall-screen", ApiRole.Viewer);

    private SeededDatabase _database = null!;

    [SetUp]
    public async Task SetUp() => _database = await CreateAsync(databaseKind);

    [TearDown]
    public async Task TearDown()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    /// <summary>
    /// (1) A succeeded run whose last progress report fell short: gRPC showed the report (90 of 100), JSON the
    /// documents the result says were read. Both now show the result's count, the figure that was released.
    /// (2) A run handed back after it had run (0 of 0, no unit stored): JSON called it "documents" from its history,
    /// gRPC unspecified. Nothing is counted, so neither names a unit.
    /// (3) A row from before the unit was stored, failed while running: gRPC had no unit (its rule looked at the
    /// current state only), JSON "documents" from the history. The history is right: the pair counted documents.
    /// </summary>
    [TestCase(RunStatus.Succeeded, 90, 100, RunProgressUnit.Documents, new[] { RunStatus.Running }, 120L, 120L, "documents", ProgressUnit.Documents)]
    [TestCase(RunStatus.Queued, 0, 0, RunProgressUnit.None, new[] { RunStatus.Running, RunStatus.Queued }, 0L, 0L, "", ProgressUnit.Unspecified)]
    [TestCase(RunStatus.Failed, 5, 10, RunProgressUnit.None, new[] { RunStatus.Downloading, RunStatus.Running }, 5L, 10L, "documents", ProgressUnit.Documents)]
    [TestCase(RunStatus.Cancelled, 512, 2048, RunProgressUnit.None, new[] { RunStatus.Downloading }, 512L, 2048L, "bytes", ProgressUnit.Bytes)]
    [TestCase(RunStatus.Running, 30, 120, RunProgressUnit.Documents, new[] { RunStatus.Downloading }, 30L, 120L, "documents", ProgressUnit.Documents)]
    public async Task EvaluationAsync_RunProgress_SameFiguresAndUnitInBothApis(
        RunStatus status, long done, long total, RunProgressUnit unit, RunStatus[] history, long expectedDone, long expectedTotal, string expectedUnit, ProgressUnit expectedProto)
    {
        var run = Run("chu-a", status, done, total, unit);
        run.Released = status == RunStatus.Succeeded ? new ReleasedFigures(120, null) : ReleasedFigures.None;
        var id = await _database.AddEvaluationAsync("alice", (run, history));

        var view = (await _database.Model.EvaluationAsync(Viewer, id, CancellationToken.None))!.Runs.Single();
        var proto = (await _database.Model.EvaluationAsync(Viewer, id, CancellationToken.None))!.ToProto().Runs.Single();

        (view.Done, view.Total, view.ProgressUnit).Should().Be((expectedDone, expectedTotal, expectedUnit));
        (proto.Done, proto.Total, proto.ProgressUnit).Should().Be((expectedDone, expectedTotal, expectedProto));
    }

    /// <summary>gRPC read any evaluation and left the owner check to each caller; the read model applies it for all.</summary>
    [TestCase(ApiRole.Evaluator, "bob", false)]
    [TestCase(ApiRole.Evaluator, "alice", true)]
    [TestCase(ApiRole.Viewer, "bob", true)]
    [TestCase(ApiRole.Admin, "bob", true)]
    public async Task EvaluationAsync_Caller_SeesOnlyWhatEvaluationAccessAllows(ApiRole role, string name, bool visible)
    {
        var id = await _database.AddEvaluationAsync("alice", (Run("chu-a", RunStatus.Queued, 0, 0), []));

        var view = await _database.Model.EvaluationAsync(new EvaluatorIdentity(name, role), id, CancellationToken.None);
        var (page, _) = await _database.Model.FullEvaluationsPageAsync(new EvaluatorIdentity(name, role), null, 10, null, CancellationToken.None);
        var (lines, _) = await _database.Model.EvaluationsPageAsync(new EvaluatorIdentity(name, role), null, 10, null, CancellationToken.None);

        (view is not null).Should().Be(visible);
        page.Select(e => e.Id).Should().Equal(visible ? [id] : []);
        lines.Select(e => e.Id).Should().Equal(visible ? [id] : []);
    }

    /// <summary>A list line adds up the stored figures: no run's result is read (here it is not even JSON).</summary>
    [Test]
    public async Task EvaluationsAsync_SucceededAndRunningRuns_DocumentCountsFromStoredFiguresNotTheResult()
    {
        var succeeded = Run("chu-a", RunStatus.Succeeded, 90, 100, RunProgressUnit.Documents);
        succeeded.ResultJson = "not json: the list must not parse it";
        succeeded.Released = new ReleasedFigures(100, 0.5);
        var running = Run("chu-b", RunStatus.Running, 30, 120, RunProgressUnit.Documents);
        var downloading = Run("chu-c", RunStatus.Downloading, 4096, 10_000, RunProgressUnit.Bytes);
        await _database.AddEvaluationAsync("alice", (succeeded, []), (running, []), (downloading, []));

        var line = (await _database.Model.EvaluationsAsync(Viewer, null, 0, CancellationToken.None)).Single();

        (line.RunsTotal, line.RunsFinal, line.RunsSucceeded).Should().Be((3, 1, 1));
        (line.DocumentsDone, line.DocumentsTotal).Should().Be((130L, 220L), "bytes being downloaded are not documents");
    }

    /// <summary>Every state a run or an evaluation can be in has its message: the views' names map back one to one.</summary>
    [Test]
    public async Task ToProto_EveryRunState_MapsToTheStateOfTheSameName()
    {
        var states = Enum.GetValues<RunStatus>();
        var id = await _database.AddEvaluationAsync("alice", [.. states.Select(s => (Run($"node-{(int)s:00}", s, 0, 0), Array.Empty<RunStatus>()))]);

        var proto = (await _database.Model.EvaluationAsync(Viewer, id, CancellationToken.None))!.ToProto();

        proto.State.Should().Be(EvaluationState.Running);
        proto.Runs.Select(r => r.State).Should().Equal(states.Select(RunLifecycle.ToProto));
    }

    [Test]
    public async Task NodesPageAsync_PagesOfTwo_EveryNodeOnceByNameWithItsId()
    {
        await using (var db = _database.CreateDbContext())
        {
            foreach (var name in new[] { "chu-c", "chu-a", "chu-b" })
            {
                db.Nodes.Add(new NodeEntity { Id = "node_" + name, Name = name, CertificateSha256 = name.PadRight(64, '0'), CertificatePem = "" });
            }

            await db.SaveChangesAsync();
        }

        var (first, after) = await _database.Model.NodesPageAsync(2, null, CancellationToken.None);
        var (second, end) = await _database.Model.NodesPageAsync(2, after, CancellationToken.None);

        first.Concat(second).Select(n => n.ToProto()).Select(n => (n.Name, n.Id)).Should().Equal(("chu-a", "node_chu-a"), ("chu-b", "node_chu-b"), ("chu-c", "node_chu-c"));
        end.Should().BeNull();
    }
}
