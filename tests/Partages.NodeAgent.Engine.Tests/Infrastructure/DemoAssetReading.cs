using Partages.ModelKit;

namespace Partages.NodeAgent.Engine.Tests.Infrastructure;

/// <summary>What the tests on the demo's real artefacts read alike: a repository spec, and the hospitals' report texts.</summary>
internal static class DemoAssetReading
{
    /// <summary>The AMR spec the project file copies next to the tests.</summary>
    public static string AmrSpecPath => Path.Combine(AppContext.BaseDirectory, "eval-specs", "amr-resistance.yaml");

    /// <summary>The spec at <paramref name="path"/>, which must parse without error.</summary>
    public static async Task<EvaluationSpec> ValidSpecAsync(string path)
    {
        var parsed = SpecParser.Parse(await File.ReadAllTextAsync(path));
        parsed.Errors.Should().BeEmpty();
        return parsed.Spec!;
    }

    /// <summary>The text of every AMR report of every hospital, in file order, to compare two encoders on.</summary>
    public static async Task<List<string>> AmrTextsAsync(IEnumerable<HospitalAssets> hospitals)
    {
        var texts = new List<string>();
        foreach (var hospital in hospitals)
        {
            foreach (var line in await File.ReadAllLinesAsync(hospital.AmrPath, Encoding.UTF8))
            {
                using var document = JsonDocument.Parse(line);
                texts.Add(document.RootElement.GetProperty("text").GetString()!);
            }
        }

        return texts;
    }
}
