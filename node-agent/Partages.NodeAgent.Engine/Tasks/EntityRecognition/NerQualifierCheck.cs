using Partages.NodeAgent.Engine.Datasets;

namespace Partages.NodeAgent.Engine.Tasks.EntityRecognition;

/// <summary>
/// Checks, before any document, that the bundle can produce the attribute and normalisation metrics the spec asks
/// (docs/ner.md "Attributes, codes and fragments"), and sets what the readers check gold annotations against.
/// </summary>
internal static class NerQualifierCheck
{
    /// <returns>The qualifier metrics asked with the bundle's declarations; null when the spec asks none.</returns>
    /// <exception cref="EvaluationRefusedException">The spec asks span_attribute of a bundle that declares no attribute, or normalisation of one that declares no codes; the message lists what the bundle can produce.</exception>
    public static NerQualifierOptions? Options(IReadOnlyList<string> metrics, ModelManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(manifest);
        var schema = manifest.QualifierSchema();
        var options = NerQualifierOptions.From(metrics, schema);
        if (options is null)
        {
            return null;
        }

        var producible = Producible(schema);
        var missing = options.Metrics.Where(m => !producible.Contains(m)).ToList();
        if (missing.Count > 0)
        {
            throw new EvaluationRefusedException(
                $"the spec asks {string.Join(", ", missing)}, which model {manifest.Name}@{manifest.Version} cannot produce "
                + $"(it declares {Declared(schema)}; of these metrics it can produce: {string.Join(", ", producible)})");
        }

        return options;
    }

    /// <summary>What the readers check gold attributes and codes against: only what the spec evaluates.</summary>
    public static QualifierResolver Resolver(NerQualifierOptions? options) => options is null
        ? QualifierResolver.None
        : new QualifierResolver(
            options.Metrics.Contains(QualifierMetrics.SpanAttribute) ? options.Schema : null,
            options.Metrics.Contains(QualifierMetrics.Normalisation) ? options.Schema : null);

    /// <summary>The qualifier metrics a bundle can produce: fragments always (they are the dataset's), the others when declared.</summary>
    public static IReadOnlyList<string> Producible(NerQualifierSchema schema) =>
        [.. QualifierMetrics.All.Where(m => m switch
        {
            QualifierMetrics.SpanAttribute => schema.Attributes.Count > 0,
            QualifierMetrics.Normalisation => schema.CodeSystem is not null,
            _ => true,
        })];

    private static string Declared(NerQualifierSchema schema)
    {
        var parts = new List<string>();
        if (schema.Attributes.Count > 0)
        {
            parts.Add("attributes " + string.Join(", ", schema.Attributes.Select(a => a.Name)));
        }

        if (schema.CodeSystem is { } system)
        {
            parts.Add($"{schema.Codes.Count} {system} codes");
        }

        return parts.Count == 0 ? "no attribute and no normalisation" : string.Join(" and ", parts);
    }
}
