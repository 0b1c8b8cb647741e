namespace Partages.NodeAgent.Engine.Tests.Ner;

/// <summary>
/// An entity recognition job as the engine's NER tests write it into their test folder: the bundle as
/// <c>model.zip</c>, the documents as a JSONL dataset <c>data.jsonl</c> (id, text, entities with code-point offsets,
/// end exclusive: docs/datasets.md) named <c>oncology</c>.
/// </summary>
internal static class NerJobFiles
{
    /// <summary>Writes the bundle and the documents; the job that reads them under <paramref name="spec"/>.</summary>
    public static async Task<EvaluationJob> WriteAsync(
        TestDirectory directory,
        byte[] bundle,
        EvaluationSpec spec,
        IEnumerable<(string Id, string Text, IReadOnlyList<(int Start, int End, string Label)> Entities)> documents)
    {
        var bundlePath = await WriteBundleAsync(directory, bundle);
        var datasetPath = directory.File("data.jsonl");
        await File.WriteAllLinesAsync(datasetPath, documents.Select(d => JsonLine(d.Id, d.Text, d.Entities)));
        return new EvaluationJob(bundlePath, spec, new DatasetDefinition("oncology", datasetPath, DatasetFormats.Jsonl));
    }

    /// <summary>Writes the bundle as <c>model.zip</c>; its path.</summary>
    public static async Task<string> WriteBundleAsync(TestDirectory directory, byte[] bundle)
    {
        var bundlePath = directory.File("model.zip");
        await File.WriteAllBytesAsync(bundlePath, bundle);
        return bundlePath;
    }

    /// <summary>One document of a JSONL entity recognition dataset.</summary>
    public static string JsonLine(string id, string text, IEnumerable<(int Start, int End, string Label)> entities) =>
        JsonSerializer.Serialize(new
        {
            id,
            text,
            entities = entities.Select(e => new { start = e.Start, end = e.End, label = e.Label }),
        });
}
