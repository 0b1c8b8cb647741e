using Partages.Testing.Provisioning;

namespace Partages.Coordinator.Tests.Infrastructure;

/// <summary>Which database a fixture runs the coordinator on: the parameter of the fixtures run on both.</summary>
public enum TestDatabaseKind
{
    Sqlite,
    PostgreSql,
}

/// <summary>
/// The database of one test class: SQLite in the data dir (nothing to create), or a fresh database on the test run's
/// PostgreSQL server (<see cref="SharedPostgres"/>), dropped on dispose.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly string? _postgresName;

    private TestDatabase(TestDatabaseKind kind, string? postgresName, string connectionString)
    {
        Kind = kind;
        _postgresName = postgresName;
        ConnectionString = connectionString;
    }

    public static TestDatabase Sqlite { get; } = new(TestDatabaseKind.Sqlite, null, "");

    public TestDatabaseKind Kind { get; }

    /// <summary>"" for SQLite (the data dir's file).</summary>
    public string ConnectionString { get; }

    /// <summary>The coordinator's command-line settings selecting this database (none for SQLite, the default).</summary>
    public string[] CoordinatorSettings => Kind == TestDatabaseKind.Sqlite
        ? []
        : ["--Coordinator:Database:Provider=postgresql", "--Coordinator:Database:ConnectionString=" + ConnectionString];

    /// <summary>The environment the admin commands read (<c>Admin/AdminDatabase</c>), empty for SQLite.</summary>
    public IReadOnlyDictionary<string, string> AdminEnvironment => Kind == TestDatabaseKind.Sqlite
        ? new Dictionary<string, string>()
        : new Dictionary<string, string>
        {
            [Coordinator.Admin.AdminDatabase.ProviderVariable] = "postgresql",
            [Coordinator.Admin.AdminDatabase.ConnectionStringVariable] = ConnectionString,
        };

    public DatabaseSettings Settings(string dataDir) => Kind == TestDatabaseKind.Sqlite
        ? DatabaseSettings.Sqlite(dataDir)
        : new DatabaseSettings(DatabaseProvider.PostgreSql, ConnectionString);

    /// <summary>A database for <paramref name="owner"/> (a test class name, for whoever reads the server's log).</summary>
    public static async Task<TestDatabase> CreateAsync(TestDatabaseKind kind, string owner)
    {
        if (kind == TestDatabaseKind.Sqlite)
        {
            return Sqlite;
        }

        var server = await SharedPostgres.ServerAsync();
        // At most 63 characters, PostgreSQL's limit: "t_", 28 of the owner's, "_", 32 of the GUID.
        var prefix = new string(owner.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit).Take(28).ToArray());
        var name = $"t_{prefix}_{Guid.NewGuid():N}";
        return new TestDatabase(kind, name, await server.CreateDatabaseAsync(name));
    }

    /// <summary>
    /// A PostgreSQL database owned by a new login role <paramref name="role"/> (not a superuser: the server's connection
    /// limits apply to it), which the coordinator connects as.
    /// </summary>
    public static async Task<TestDatabase> CreateOwnedByRoleAsync(string owner, string role)
    {
        var database = await CreateAsync(TestDatabaseKind.PostgreSql, owner);
        await using (var connection = new Npgsql.NpgsqlConnection(database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand($"CREATE ROLE {role} LOGIN; ALTER DATABASE {database._postgresName} OWNER TO {role};", connection);
            await command.ExecuteNonQueryAsync();
        }

        var asRole = new Npgsql.NpgsqlConnectionStringBuilder(database.ConnectionString) { Username = role }.ConnectionString;
        return new TestDatabase(TestDatabaseKind.PostgreSql, database._postgresName, asRole);
    }

    public async ValueTask DisposeAsync()
    {
        if (_postgresName is not null)
        {
            Npgsql.NpgsqlConnection.ClearAllPools();
            await (await SharedPostgres.ServerAsync()).DropDatabaseAsync(_postgresName);
        }
    }
}

/// <summary>One PostgreSQL server for the whole test run, started by the first class that needs it, stopped by <see cref="SharedPostgresTeardown"/>.</summary>
public static class SharedPostgres
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static PostgresServer? _server;

    public static async Task<PostgresServer> ServerAsync()
    {
        await Gate.WaitAsync();
        try
        {
            return _server ??= await PostgresServer.StartAsync();
        }
        finally
        {
            Gate.Release();
        }
    }

    public static async Task StopAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_server is not null)
            {
                Npgsql.NpgsqlConnection.ClearAllPools();
                await _server.DisposeAsync();
                _server = null;
            }
        }
        finally
        {
            Gate.Release();
        }
    }
}
