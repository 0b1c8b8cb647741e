using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

using Partages.ModelKit.Bundles;

namespace Partages.ModelKit.MultiLabel;

/// <summary>
/// A multi-label task made from the demo's single-label assets, for exercising the multi-label path end to end without
/// a multi-label model: the classifier's bundle with its manifest's task set to multi-label (graph and vocabulary
/// unchanged), and each AMR report with its single label as a one-element label set.
/// </summary>
public static class MultiLabelVariant
{
    private static readonly JsonSerializerOptions s_json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Copies the bundle at <paramref name="source"/>, its manifest's task multi-label with <paramref name="threshold"/>.</summary>
    public static Task WriteBundleAsync(string source, string destination, double threshold = 0.5, CancellationToken cancellationToken = default) =>
        ManifestRewrite.WriteAsync(
            source,
            destination,
            manifest =>
            {
                manifest["task"] = TaskTypes.MultiLabelClassification;
                manifest["threshold"] = threshold;
            },
            cancellationToken);

    /// <summary>Copies a JSON Lines dataset, each <c>"label": x</c> turned into <c>"labels": [x]</c>; blank lines dropped.</summary>
    public static async Task WriteDatasetAsync(string source, string destination, CancellationToken cancellationToken = default)
    {
        var lines = new List<string>();
        foreach (var line in await File.ReadAllLinesAsync(source, cancellationToken).ConfigureAwait(false))
        {
            if (line.Length == 0)
            {
                continue;
            }

            var document = JsonNode.Parse(line)!.AsObject();
            var label = document["label"]!.GetValue<string>();
            document.Remove("label");
            document["labels"] = new JsonArray(label);
            lines.Add(document.ToJsonString(s_json));
        }

        await File.WriteAllLinesAsync(destination, lines, cancellationToken).ConfigureAwait(false);
    }
}
