namespace Partages.ModelKit.Synthetic;

/// <summary>Builds a text and the offsets of the entities written into it, so spans are exact by construction.</summary>
internal sealed class AnnotatedTextBuilder
{
    private readonly StringBuilder _text = new();
    private readonly List<EntitySpan> _entities = [];

    public AnnotatedTextBuilder Append(string text)
    {
        _text.Append(text);
        return this;
    }

    public AnnotatedTextBuilder Entity(string text, string label, MentionQualifiers? qualifiers = null)
    {
        _entities.Add(new EntitySpan(_text.Length, _text.Length + text.Length, label)
        {
            // Negation and hypothesis qualify the result (STATUS), the morphology code the tested tumour's BIOMARKER.
            Negated = label == OncologyLabels.StatusEntity && qualifiers?.Negated == true,
            Hypothetical = label == OncologyLabels.StatusEntity && qualifiers?.Hypothetical == true,
            Code = label == OncologyLabels.BiomarkerEntity ? qualifiers?.Code : null,
        });
        _text.Append(text);
        return this;
    }

    /// <summary>
    /// Appends <paramref name="template"/>, writing <paramref name="biomarker"/> as a BIOMARKER entity
    /// at each "{B}" and <paramref name="status"/> as a STATUS entity at each "{S}".
    /// </summary>
    public AnnotatedTextBuilder Template(string template, string biomarker, string status, MentionQualifiers? qualifiers = null)
    {
        var position = 0;
        while (position < template.Length)
        {
            var next = template.IndexOf('{', position);
            if (next < 0 || next + 2 >= template.Length || template[next + 2] != '}' || template[next + 1] is not ('B' or 'S'))
            {
                var end = next < 0 ? template.Length : next + 1;
                _text.Append(template, position, end - position);
                position = end;
                continue;
            }

            _text.Append(template, position, next - position);
            if (template[next + 1] == 'B')
            {
                Entity(biomarker, OncologyLabels.BiomarkerEntity, qualifiers);
            }
            else
            {
                Entity(status, OncologyLabels.StatusEntity, qualifiers);
            }

            position = next + 3;
        }

        return this;
    }

    public (string Text, IReadOnlyList<EntitySpan> Entities) Build() => (_text.ToString(), _entities.ToArray());
}

/// <summary>What a finding's mentions carry besides their spans (<see cref="EntitySpan"/>).</summary>
internal sealed record MentionQualifiers(bool Negated, bool Hypothetical, string? Code);
