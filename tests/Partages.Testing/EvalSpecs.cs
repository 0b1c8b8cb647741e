namespace Partages.Testing;

/// <summary>The shipped eval specs, which test projects link into their output folder under <c>eval-specs/</c>.</summary>
public static class EvalSpecs
{
    public static string Read(string fileName) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "eval-specs", fileName));
}
