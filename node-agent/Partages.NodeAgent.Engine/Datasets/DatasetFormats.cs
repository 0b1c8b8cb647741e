namespace Partages.NodeAgent.Engine.Datasets;

/// <summary>Dataset formats the engine reads (<see cref="DatasetDefinition.Format"/>). Field by field in docs/datasets.md.</summary>
public static class DatasetFormats
{
    /// <summary>
    /// One JSON object per line, UTF-8: <c>{"id": "...", "text": "...", "label": "..."}</c>; multi-label datasets give
    /// <c>"labels": [...]</c>, entity datasets <c>"entities": [{"start": 0, "end": 4, "label": "..."}]</c>.
    /// </summary>
    public const string Jsonl = "jsonl";

    /// <summary>RFC 4180 CSV, UTF-8, with a header naming the columns <c>id</c>, <c>text</c> and <c>label</c>. Single-label.</summary>
    public const string Csv = "csv";

    /// <summary>
    /// A folder of brat standoff pairs, <c>name.txt</c> and <c>name.ann</c>: entity annotations (text-bound <c>T</c>
    /// lines), for entity recognition. The path names the folder.
    /// </summary>
    public const string Brat = "brat";

    public static IReadOnlyList<string> All { get; } = [Jsonl, Csv, Brat];
}
