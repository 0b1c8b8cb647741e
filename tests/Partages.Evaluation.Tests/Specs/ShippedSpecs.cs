namespace Partages.Evaluation.Tests.Specs;

/// <summary>The repository's eval-specs, copied next to the tests by the project file.</summary>
internal static class ShippedSpecs
{
    public static string Yaml(string file) => File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "eval-specs", file));
}
