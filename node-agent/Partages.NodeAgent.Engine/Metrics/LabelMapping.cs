using Partages.Evaluation.Specs;

namespace Partages.NodeAgent.Engine.Metrics;

/// <summary>
/// Matches the model's label order (its logits) to the spec's (the confusion matrix) by name. The two lists must
/// hold the same labels; their order is free, as the spec format promises.
/// </summary>
internal static class LabelMapping
{
    /// <returns>For each manifest label index, the index of the same label in the spec.</returns>
    /// <exception cref="EvaluationRefusedException">The label sets differ.</exception>
    public static int[] ManifestToSpec(EvaluationSpec spec, ModelManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(manifest);
        var specIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < spec.Labels.Count; i++)
        {
            specIndex.TryAdd(spec.Labels[i], i);
        }

        var sameSet = spec.Labels.Count == manifest.Labels.Count
            && specIndex.Count == spec.Labels.Count
            && manifest.Labels.All(specIndex.ContainsKey);
        if (!sameSet)
        {
            throw new EvaluationRefusedException(
                $"the spec's labels [{string.Join(", ", spec.Labels)}] differ from the model's labels [{string.Join(", ", manifest.Labels)}]");
        }

        return [.. manifest.Labels.Select(label => specIndex[label])];
    }
}
