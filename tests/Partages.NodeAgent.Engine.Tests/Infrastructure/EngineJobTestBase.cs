namespace Partages.NodeAgent.Engine.Tests.Infrastructure;

/// <summary>A classification job over the keyword test model, written to a fresh directory per test.</summary>
public abstract class EngineJobTestBase : TempDirectoryTestBase
{
    private protected EvaluationJob Job(params string[] lines) => Job(Manifest, null, lines);

    private protected EvaluationJob Job(ModelManifest manifest, KeywordGraph? graph, params string[] lines) =>
        Job(manifest, graph, [.. lines.Select(Utf8)]);

    private protected EvaluationJob Job(List<byte[]> lines) => Job(Manifest, null, lines);

    private protected EvaluationJob Job(ModelManifest manifest, KeywordGraph? graph, List<byte[]> lines)
    {
        var dataset = Temp.File($"dataset-{Guid.NewGuid():N}.jsonl");
        using (var stream = File.Create(dataset))
        {
            foreach (var line in lines)
            {
                stream.Write(line);
                stream.WriteByte((byte)'\n');
            }
        }

        var bundle = WriteBundle(Temp.File($"bundle-{Guid.NewGuid():N}.zip"), manifest, graph);
        return new EvaluationJob(bundle, Spec, new DatasetDefinition(Spec.Dataset, dataset, DatasetFormats.Jsonl));
    }

    private protected static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private protected static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];
}
