using Npgsql;

namespace Partages.Coordinator.Persistence;

/// <summary>
/// Which database the coordinator keeps its state in: configuration section <c>Coordinator:Database</c>
/// (environment <c>Coordinator__Database__Provider</c>, <c>Coordinator__Database__ConnectionString</c>). SQLite in the
/// data dir is the default and needs nothing; PostgreSQL needs a connection string. Checked with the other options.
/// </summary>
public sealed class DatabaseOptions
{
    public const string SqliteName = "sqlite";
    public const string PostgreSqlName = "postgresql";

    /// <summary><c>sqlite</c> (default: <c>&lt;data-dir&gt;/coordinator.db</c>) or <c>postgresql</c>.</summary>
    public string Provider { get; set; } = SqliteName;

    /// <summary>For postgresql only, an Npgsql connection string (<c>Host=db;Database=partages;Username=partages;Password=...</c>).</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>Every problem with these settings, each naming the setting (<paramref name="section"/>:Database:...).</summary>
    public IReadOnlyList<string> Collect(string section)
    {
        var errors = new List<string>();
        var prefix = section + ":Database:";
        if (ParseProvider(Provider) is not { } provider)
        {
            errors.Add($"{prefix}Provider is '{Provider}'; it must be '{SqliteName}' or '{PostgreSqlName}'.");
            return errors;
        }

        if (provider == DatabaseProvider.Sqlite)
        {
            if (!string.IsNullOrWhiteSpace(ConnectionString))
            {
                errors.Add($"{prefix}ConnectionString is set but {prefix}Provider is '{SqliteName}', whose database is always <data-dir>/{CoordinatorDatabase.FileName}; remove it, or set the provider to '{PostgreSqlName}'.");
            }

            return errors;
        }

        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            errors.Add($"{prefix}ConnectionString is required when {prefix}Provider is '{PostgreSqlName}' (e.g. Host=db.example;Database=partages;Username=partages;Password=...).");
            return errors;
        }

        try
        {
            var parsed = new NpgsqlConnectionStringBuilder(ConnectionString);
            if (string.IsNullOrWhiteSpace(parsed.Host))
            {
                errors.Add($"{prefix}ConnectionString has no Host.");
            }

            if (string.IsNullOrWhiteSpace(parsed.Database))
            {
                errors.Add($"{prefix}ConnectionString has no Database.");
            }
        }
        catch (ArgumentException ex)
        {
            // The message names the key, never the value: the string may hold a password.
            errors.Add($"{prefix}ConnectionString is not a valid PostgreSQL connection string: {ex.Message}");
        }

        return errors;
    }

    public static DatabaseProvider? ParseProvider(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        SqliteName => DatabaseProvider.Sqlite,
        PostgreSqlName => DatabaseProvider.PostgreSql,
        _ => null,
    };
}

public enum DatabaseProvider
{
    Sqlite = 1,
    PostgreSql = 2,
}

/// <summary>The database to open, resolved from the options and the data dir.</summary>
public sealed record DatabaseSettings(DatabaseProvider Provider, string ConnectionString)
{
    public static DatabaseSettings Sqlite(string dataDir) => new(DatabaseProvider.Sqlite, CoordinatorDatabase.SqliteConnectionString(dataDir));

    /// <summary>The settings of valid <paramref name="options"/> (checked by <see cref="DatabaseOptions.Collect"/> first).</summary>
    public static DatabaseSettings From(DatabaseOptions options, string dataDir)
    {
        ArgumentNullException.ThrowIfNull(options);
        return DatabaseOptions.ParseProvider(options.Provider) == DatabaseProvider.PostgreSql
            ? new(DatabaseProvider.PostgreSql, options.ConnectionString)
            : Sqlite(dataDir);
    }

    public override string ToString() => Provider.ToString();
}
