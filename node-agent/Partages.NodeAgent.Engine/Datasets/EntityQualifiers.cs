namespace Partages.NodeAgent.Engine.Datasets;

/// <summary>What a dataset writes on one entity besides its span, as read (brat <c>A</c>/<c>N</c> lines and fragments, or the JSONL keys).</summary>
internal sealed class RawQualifiers
{
    /// <summary>Attribute name and value; a brat binary attribute (no value) is <c>"true"</c>.</summary>
    public List<(string Name, string Value)> Attributes { get; } = [];

    /// <summary>Code system (brat's resource) and code.</summary>
    public List<(string System, string Code)> Codes { get; } = [];

    /// <summary>The fragments of a discontinuous entity (UTF-16 spans, text order); null for a contiguous one.</summary>
    public (int Start, int End)[]? Fragments { get; set; }
}

/// <summary>
/// Turns what a dataset writes on an entity into <see cref="SpanQualifiers"/> over the bundle's declarations, noting
/// what is not evaluated and naming what is wrong, never dropping anything silently (docs/datasets.md "Attributes,
/// codes and fragments"): an attribute the spec does not evaluate or the bundle does not declare is a note; a declared
/// attribute with an undeclared value, or a code of the declared system that is not declared, is a problem that sets
/// the document aside (as an unknown label does); one entity given two values of one attribute or two codes is malformed.
/// </summary>
/// <param name="attributes">The bundle's declarations when the spec asks span_attribute; null otherwise.</param>
/// <param name="codes">The bundle's declarations when the spec asks normalisation; null otherwise.</param>
internal sealed class QualifierResolver(NerQualifierSchema? attributes, NerQualifierSchema? codes)
{
    /// <summary>Nothing evaluated: every attribute and code is noted, fragments are still kept.</summary>
    public static QualifierResolver None { get; } = new(null, null);

    /// <returns>The qualifiers; null when the entity carries nothing (every attribute at its default, no code, contiguous).</returns>
    public SpanQualifiers? Resolve(RawQualifiers? raw, List<string> problems, List<string> notes)
    {
        if (raw is null)
        {
            return null;
        }

        var values = new int[attributes?.Attributes.Count ?? 0];
        Array.Fill(values, -1);
        foreach (var group in raw.Attributes.GroupBy(a => a.Name, StringComparer.Ordinal))
        {
            var declared = attributes is null ? -1 : IndexOf(attributes.Attributes, group.Key);
            if (declared < 0)
            {
                notes.AddRange(group.Select(_ => AnnotationNotes.AttributeNotEvaluated));
                continue;
            }

            if (group.Select(a => a.Value).Distinct(StringComparer.Ordinal).Count() > 1)
            {
                problems.Add(SkipKinds.MalformedAnnotation);
                continue;
            }

            values[declared] = attributes!.Attributes[declared].IndexOf(group.First().Value);
            if (values[declared] < 0)
            {
                problems.Add(SkipKinds.UnknownAttributeValue);
            }
        }

        var code = -1;
        foreach (var (system, value) in raw.Codes)
        {
            if (codes is null || !string.Equals(system, codes.CodeSystem, StringComparison.Ordinal))
            {
                notes.Add(AnnotationNotes.NormalisationNotEvaluated);
                continue;
            }

            var index = codes.CodeIndex(value);
            if (index < 0)
            {
                problems.Add(SkipKinds.UnknownCode);
            }
            else if (code >= 0 && code != index)
            {
                problems.Add(SkipKinds.MalformedAnnotation);
            }
            else
            {
                code = index;
            }
        }

        var fragments = raw.Fragments is { Length: > 1 } f ? f : null;
        return values.All(v => v < 0) && code < 0 && fragments is null ? null : new SpanQualifiers(values, Code: code, Fragments: fragments);
    }

    private static int IndexOf(IReadOnlyList<NerAttribute> declared, string name)
    {
        for (var i = 0; i < declared.Count; i++)
        {
            if (string.Equals(declared[i].Name, name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
