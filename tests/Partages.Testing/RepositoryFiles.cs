namespace Partages.Testing;

/// <summary>The repository's own files (example configuration, eval specs, sources, scripts), for tests that read them.</summary>
public static class RepositoryFiles
{
    /// <summary>The folder holding <c>Partages.sln</c>, found upward from the test assembly (built under artifacts/bin).</summary>
    public static string Root { get; } = FindRoot();

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    public static string Read(params string[] parts) => File.ReadAllText(PathOf(parts));

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Partages.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Partages.sln above {AppContext.BaseDirectory}.");
    }
}
