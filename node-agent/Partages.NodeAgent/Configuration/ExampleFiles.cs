namespace Partages.NodeAgent.Configuration;

/// <summary>
/// The annotated example files that error messages send the reader to, named where they are on this machine: beside
/// the executable in a release folder (tools/release/build-release.sh), in the Debian package's documentation, or else
/// in the source tree. A message naming a repository path on a hospital server would point at nothing.
/// </summary>
internal static class ExampleFiles
{
    public const string PackageDirectory = "/usr/share/doc/partages-node-agent/examples";

    public static string NodeConfig { get; } = Locate("node.example.yaml");

    public static string Policy { get; } = Locate("policy.example.yaml");

    private static string Locate(string name)
    {
        foreach (var candidate in new[] { Path.Combine(AppContext.BaseDirectory, name), Path.Combine(PackageDirectory, name) })
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return "node-agent/" + name;
    }
}
