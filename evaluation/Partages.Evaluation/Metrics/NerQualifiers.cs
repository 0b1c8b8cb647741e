namespace Partages.Evaluation.Metrics;

/// <summary>
/// The metrics on what an entity carries besides its span and type (docs/ner.md, "Attributes, codes and fragments"),
/// each counted only when a spec asks for it.
/// </summary>
public static class QualifierMetrics
{
    /// <summary>EDS-NLP's <c>eds.span_attribute</c> on matched spans: per attribute value P/R/F and average precision.</summary>
    public const string SpanAttribute = "span_attribute";

    /// <summary>Normalisation accuracy: on matched gold spans that carry a code, the predicted code equals it.</summary>
    public const string Normalisation = "normalisation";

    /// <summary>Discontinuous gold entities evaluated by their fragments (exact when every fragment is predicted).</summary>
    public const string Fragments = "ner_fragments";

    public static IReadOnlyList<string> All { get; } = [SpanAttribute, Normalisation, Fragments];

    /// <summary>Bins of the span probability histograms behind average precision: [0, 0.05), …, [0.95, 1], data-independent.</summary>
    public const int ProbabilityBins = 20;

    /// <summary>Fragments of one discontinuous entity counted (its first ones in text order): bounds one report's weight.</summary>
    public const int MaxFragmentsPerEntity = 8;

    /// <summary>The bin of a probability in [0, 1] (NaN and values outside clamp to the ends).</summary>
    public static int BinOf(double probability) =>
        double.IsNaN(probability) ? 0 : Math.Clamp((int)Math.Floor(probability * ProbabilityBins), 0, ProbabilityBins - 1);
}

/// <summary>
/// One attribute a model predicts and a dataset annotates (a brat <c>A</c> line's name): its values, and the default
/// value an entity without the attribute has (EDS-NLP's <c>default_values</c>: not counted as an item). Without a
/// default an entity without the attribute has no value, and every value is counted.
/// </summary>
public sealed record NerAttribute(string Name, IReadOnlyList<string> Values, string? Default)
{
    /// <summary>The index of <paramref name="value"/>, or -1 when it is not declared.</summary>
    public int IndexOf(string value)
    {
        for (var i = 0; i < Values.Count; i++)
        {
            if (string.Equals(Values[i], value, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The default value's index; -1 without a default (or when it is not among the values, which validation refuses).</summary>
    public int DefaultIndex => Default is null ? -1 : IndexOf(Default);
}

/// <summary>
/// What a bundle declares beside the entity tags (its manifest's <c>attributes</c> and <c>normalisation</c>), which
/// the dataset's annotations are checked against: the attributes with their values, and the codes of one system.
/// </summary>
public sealed record NerQualifierSchema(IReadOnlyList<NerAttribute> Attributes, string? CodeSystem, IReadOnlyList<string> Codes)
{
    public static NerQualifierSchema None { get; } = new([], null, []);

    /// <summary>The counted items: every (attribute, value) pair but the default values, named <c>attribute=value</c>.</summary>
    public IReadOnlyList<(int Attribute, int Value)> Items() =>
        [.. Attributes.SelectMany((a, i) => Enumerable.Range(0, a.Values.Count).Where(v => v != a.DefaultIndex).Select(v => (i, v)))];

    public IReadOnlyList<string> ItemNames() => [.. Items().Select(p => ItemName(Attributes[p.Attribute].Name, Attributes[p.Attribute].Values[p.Value]))];

    public static string ItemName(string attribute, string value) => attribute + "=" + value;

    /// <summary>The index of a code, or -1 when it is not declared.</summary>
    public int CodeIndex(string code)
    {
        for (var i = 0; i < Codes.Count; i++)
        {
            if (string.Equals(Codes[i], code, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}

/// <summary>
/// What one entity carries besides its span: a value index per schema attribute (-1: not annotated, so the default), for
/// predictions the probability the model gave each value it chose, a code index (-1: none), and for a discontinuous
/// gold entity its fragments (character spans in text order; null for a contiguous one).
/// </summary>
public sealed record SpanQualifiers(int[] Values, float[]? Probabilities = null, int Code = -1, (int Start, int End)[]? Fragments = null);
