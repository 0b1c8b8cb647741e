namespace Partages.NodeAgent.Engine.Datasets;

/// <summary>
/// brat's attribute and normalisation lines, attached to the text-bound (<c>T</c>) entities they name:
/// <c>A1&lt;TAB&gt;Negation T1</c> (a binary attribute, value "true"), <c>A2&lt;TAB&gt;Certainty T1 Hypothetical</c>,
/// <c>N1&lt;TAB&gt;Reference T1 ICD-O-3:8140/3&lt;TAB&gt;adénocarcinome</c>. An attribute or a normalisation of a
/// relation or an event (not a <c>T</c> id) is outside entity recognition, ignored as the relation or event itself is.
/// </summary>
internal static class BratQualifierLines
{
    /// <summary>Adds each A and N line to its entity's <see cref="RawQualifiers"/>; a line that cannot be parsed, or names no T line, is <see cref="SkipKinds.MalformedAnnotation"/>.</summary>
    public static void Read(IEnumerable<string> lines, IReadOnlyDictionary<string, RawQualifiers> entities, List<string> problems)
    {
        foreach (var line in lines.Where(l => l[0] is 'A' or 'N'))
        {
            var columns = line.Split('\t');
            var fields = columns.Length >= 2 ? columns[1].Split(' ', StringSplitOptions.RemoveEmptyEntries) : [];
            if (line[0] == 'A' && fields.Length is 2 or 3 && entities.TryGetValue(fields[1], out var attributed))
            {
                attributed.Attributes.Add((fields[0], fields.Length == 3 ? fields[2] : "true"));
            }
            else if (line[0] == 'N' && fields.Length == 3 && entities.TryGetValue(fields[1], out var normalised) && fields[2].IndexOf(':', StringComparison.Ordinal) is > 0 and var colon)
            {
                normalised.Codes.Add((fields[2][..colon], fields[2][(colon + 1)..]));
            }
            else if (fields.Length >= 2 && fields[1].Length > 0 && fields[1][0] is 'R' or 'E' or '*')
            {
                // On a relation or an event: nothing entity recognition evaluates.
                continue;
            }
            else
            {
                problems.Add(SkipKinds.MalformedAnnotation);
            }
        }
    }
}
