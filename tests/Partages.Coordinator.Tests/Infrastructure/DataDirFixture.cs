namespace Partages.Coordinator.Tests.Infrastructure;

/// <summary>
/// A fresh data dir path for each test (<see cref="DataDir"/>, not created), deleted after the test with SQLite's
/// pooled connections closed first: a pooled connection keeps the database files open.
/// </summary>
public abstract class DataDirFixture
{
    protected string DataDir { get; private set; } = "";

    [SetUp]
    public void NewDataDir() => DataDir = TestCoordinator.NewDataDir();

    [TearDown]
    public void DeleteDataDir()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(DataDir))
        {
            Directory.Delete(DataDir, recursive: true);
        }
    }
}
