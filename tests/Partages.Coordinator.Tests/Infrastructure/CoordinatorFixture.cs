namespace Partages.Coordinator.Tests.Infrastructure;

/// <summary>
/// One coordinator per test class, started with <see cref="Settings"/> and stopped at the end; the class fails if the
/// coordinator logged an error. A class needing more (tokens, nodes) adds its own [OneTimeSetUp], which NUnit runs
/// after this one. A class run on both databases takes <see cref="TestDatabaseKind"/> as its fixture parameter and
/// passes it here; the others run on SQLite.
/// </summary>
public abstract class CoordinatorFixture(TestDatabaseKind database = TestDatabaseKind.Sqlite)
{
    private TestDatabase _database = TestDatabase.Sqlite;

    protected TestCoordinator Server { get; private set; } = null!;

    protected TestDatabaseKind DatabaseKind => database;

    /// <summary>Command-line style settings (<c>--Coordinator:Name=value</c>) for this class's coordinator.</summary>
    protected virtual string[] Settings => [];

    [OneTimeSetUp]
    public async Task StartCoordinatorAsync()
    {
        _database = await TestDatabase.CreateAsync(database, GetType().Name);
        Server = await TestCoordinator.StartAsync(database: _database, settings: Settings);
        // The parameter must reach the coordinator: a class meant for PostgreSQL that ran on SQLite would prove nothing.
        await using var db = await Server.App.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<CoordinatorDbContext>>().CreateDbContextAsync();
        db.Should().BeOfType(database == TestDatabaseKind.PostgreSql ? typeof(PostgreSqlCoordinatorDbContext) : typeof(SqliteCoordinatorDbContext));
    }

    [OneTimeTearDown]
    public async Task StopCoordinatorAsync()
    {
        try
        {
            var errors = Server?.Errors.Errors.ToList() ?? [];
            if (Server is not null)
            {
                await Server.DisposeAsync();
            }

            errors.Should().BeEmpty();
        }
        finally
        {
            await _database.DisposeAsync();
        }
    }
}
