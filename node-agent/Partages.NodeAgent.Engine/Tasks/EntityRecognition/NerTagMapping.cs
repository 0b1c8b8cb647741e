namespace Partages.NodeAgent.Engine.Tasks.EntityRecognition;

/// <summary>
/// Maps a token-classification model's tags (the manifest's labels, in logits order: <c>O</c>, <c>B-TYPE</c>,
/// <c>I-TYPE</c>) onto <see cref="Iob2"/> tags over the spec's entity types. Checked once, before any document:
/// every tag must be O or B-/I- of a spec type, O must be there, and every spec type needs its B- tag.
/// </summary>
internal static class NerTagMapping
{
    /// <returns>For each manifest label index, its <see cref="Iob2"/> tag over the spec's types.</returns>
    /// <exception cref="EvaluationRefusedException">The tags and the spec's entity types do not fit, each problem named.</exception>
    public static int[] ManifestToIob2(IReadOnlyList<string> specTypes, ModelManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(specTypes);
        ArgumentNullException.ThrowIfNull(manifest);
        var typeIndex = specTypes.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i, StringComparer.Ordinal);
        var errors = new List<string>();
        var mapping = new int[manifest.Labels.Count];
        var hasBegin = new bool[specTypes.Count];
        var hasOutside = false;
        for (var i = 0; i < manifest.Labels.Count; i++)
        {
            var label = manifest.Labels[i];
            if (label == "O")
            {
                mapping[i] = Iob2.Outside;
                hasOutside = true;
                continue;
            }

            if (label.Length < 3 || label[1] != '-' || label[0] is not ('B' or 'I'))
            {
                errors.Add($"model label '{label}' is not an IOB2 tag (O, B-TYPE or I-TYPE)");
                continue;
            }

            var type = label[2..];
            if (!typeIndex.TryGetValue(type, out var t))
            {
                errors.Add($"model label '{label}' tags entity type '{type}', which is not among the spec's labels [{string.Join(", ", specTypes)}]");
                continue;
            }

            mapping[i] = label[0] == 'B' ? Iob2.Begin(t) : Iob2.Inside(t);
            hasBegin[t] |= label[0] == 'B';
        }

        if (!hasOutside)
        {
            errors.Add("the model has no 'O' tag");
        }

        errors.AddRange(specTypes.Where((_, t) => !hasBegin[t]).Select(type => $"the model has no 'B-{type}' tag for the spec's entity type '{type}'"));
        if (errors.Count > 0)
        {
            throw new EvaluationRefusedException("the model's tags do not fit the spec's entity types: " + string.Join("; ", errors));
        }

        return mapping;
    }
}
