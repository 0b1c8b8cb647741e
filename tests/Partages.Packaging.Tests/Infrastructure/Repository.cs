namespace Partages.Packaging.Tests.Infrastructure;

/// <summary>Files of the repository these tests read: found upward from the test assembly, by the solution file.</summary>
internal static class Repository
{
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
