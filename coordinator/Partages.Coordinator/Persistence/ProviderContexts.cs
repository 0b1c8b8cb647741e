using Microsoft.EntityFrameworkCore.Design;

namespace Partages.Coordinator.Persistence;

/// <summary>The coordinator's database on SQLite; its migrations are in Migrations/Sqlite.</summary>
public sealed class SqliteCoordinatorDbContext(DbContextOptions<SqliteCoordinatorDbContext> options) : CoordinatorDbContext(options);

/// <summary>The coordinator's database on PostgreSQL; its migrations are in Migrations/PostgreSql.</summary>
public sealed class PostgreSqlCoordinatorDbContext(DbContextOptions<PostgreSqlCoordinatorDbContext> options) : CoordinatorDbContext(options);

/// <summary>
/// For <c>dotnet ef migrations add NAME --context SqliteCoordinatorDbContext --output-dir Persistence/Migrations/Sqlite</c>:
/// the tool needs a context without the server's configuration. Adding a migration never opens the database.
/// </summary>
public sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteCoordinatorDbContext>
{
    public SqliteCoordinatorDbContext CreateDbContext(string[] args) =>
        (SqliteCoordinatorDbContext)CoordinatorDatabase.Create(DatabaseSettings.Sqlite(Path.Combine(Path.GetTempPath(), "partages-design-time")));
}

/// <summary>For <c>dotnet ef migrations add NAME --context PostgreSqlCoordinatorDbContext --output-dir Persistence/Migrations/PostgreSql</c>.</summary>
public sealed class PostgreSqlDesignTimeFactory : IDesignTimeDbContextFactory<PostgreSqlCoordinatorDbContext>
{
    public PostgreSqlCoordinatorDbContext CreateDbContext(string[] args) =>
        (PostgreSqlCoordinatorDbContext)CoordinatorDatabase.Create(new DatabaseSettings(DatabaseProvider.PostgreSql, "Host=localhost;Database=partages_design_time"));
}
