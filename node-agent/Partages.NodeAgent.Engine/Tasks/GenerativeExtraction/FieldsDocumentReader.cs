using System.Text.Json;
using Partages.Evaluation.Tasks.GenerativeExtraction;
using Partages.NodeAgent.Engine.Datasets;

namespace Partages.NodeAgent.Engine.Tasks.GenerativeExtraction;

/// <summary>
/// Reads a generative extraction dataset: JSON Lines with <c>id</c>, <c>text</c> and <c>fields</c>, an object giving
/// each contract field's gold value (<c>{"id": "…", "text": "…", "fields": {"EGFR": "positif"}}</c>). The gold values
/// come back as <see cref="LabeledDocument.Labels"/>: one index per field, in contract order, into that field's
/// values. Unusable lines are counted by the kinds every reader uses: a field missing is <c>missing_label</c>, a value
/// the contract does not allow <c>unknown_label</c>; extra fields are ignored.
/// </summary>
internal sealed class FieldsDocumentReader(Stream stream, IReadOnlyList<OutputField> fields, int maxLineBytes) : GenerativeLineReader(stream, maxLineBytes)
{
    protected override string? Classify(JsonElement root, out LabeledDocument document)
    {
        document = default;
        if (!root.TryGetProperty("text", out var text) || text.ValueKind != JsonValueKind.String)
        {
            return SkipKinds.MalformedJson;
        }

        var body = text.GetString()!;
        if (string.IsNullOrWhiteSpace(body))
        {
            return SkipKinds.EmptyText;
        }

        if (!root.TryGetProperty("fields", out var gold) || gold.ValueKind != JsonValueKind.Object)
        {
            return SkipKinds.MissingLabel;
        }

        var indices = new int[fields.Count];
        for (var f = 0; f < fields.Count; f++)
        {
            if (!gold.TryGetProperty(fields[f].Name, out var value) || value.ValueKind != JsonValueKind.String)
            {
                return SkipKinds.MissingLabel;
            }

            indices[f] = fields[f].Values.ToList().IndexOf(value.GetString()!);
            if (indices[f] < 0)
            {
                return SkipKinds.UnknownLabel;
            }
        }

        document = new LabeledDocument(body, -1, indices);
        return null;
    }
}
