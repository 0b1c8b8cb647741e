namespace Partages.NodeAgent.Engine.Datasets;

/// <summary>Dataset formats the engine reads (<see cref="DatasetDefinition.Format"/>).</summary>
public static class DatasetFormats
{
    /// <summary>One JSON object per line: <c>{"id": "...", "text": "...", "label": "..."}</c>, UTF-8.</summary>
    public const string Jsonl = "jsonl";

    public static IReadOnlyList<string> All { get; } = [Jsonl];
}
