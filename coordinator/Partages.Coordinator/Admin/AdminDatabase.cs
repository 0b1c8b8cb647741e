namespace Partages.Coordinator.Admin;

/// <summary>
/// Which database the admin commands open: the server's, named by the same environment variables the server reads
/// (<c>Coordinator__Database__Provider</c>, <c>Coordinator__Database__ConnectionString</c>); without them, the data
/// dir's SQLite file, as before.
/// </summary>
public static class AdminDatabase
{
    public const string ProviderVariable = "Coordinator__Database__Provider";
    public const string ConnectionStringVariable = "Coordinator__Database__ConnectionString";

    public static DatabaseSettings Settings(string dataDir)
    {
        var options = new DatabaseOptions
        {
            Provider = Environment.GetEnvironmentVariable(ProviderVariable) is { Length: > 0 } provider ? provider : DatabaseOptions.SqliteName,
            ConnectionString = Environment.GetEnvironmentVariable(ConnectionStringVariable) ?? "",
        };
        var errors = options.Collect(Hosting.CoordinatorOptions.SectionName);
        if (errors.Count > 0)
        {
            throw new AdminException("the database settings from the environment are not valid: " + string.Join(" ", errors));
        }

        return DatabaseSettings.From(options, dataDir);
    }
}
