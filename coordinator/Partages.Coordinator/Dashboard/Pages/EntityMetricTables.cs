namespace Partages.Coordinator.Dashboard.Pages;

/// <summary>
/// The entity section's tables of figures beyond the schemes (docs/ner.md), as the CLI prints them: EDS-NLP's metrics
/// and the attributes, codes and fragments, each figure with its interval and ε under differential privacy.
/// </summary>
internal static class EntityMetricTables
{
    /// <summary>EDS-NLP's metrics: micro figures with intervals and ε under DP.</summary>
    public static void EdsNlp(Html html, IReadOnlyList<Partages.Evaluation.Results.EdsNlpRow> rows) => DataTable.Write(
        html,
        "edsnlp-title",
        "EDS-NLP metrics (micro)",
        "edsnlp-table",
        "ner_exact, ner_token and ner_overlap as EDS-NLP defines them; under differential privacy each figure with its 95% interval, which includes the noise.",
        ["Site", "Metric", "Precision [95% CI]", "Recall [95% CI]", "F1 [95% CI]", "Privacy"],
        rows,
        row => DataTable.Row(
            html,
            [("data-site", row.Site), ("data-metric", row.Metric), ("class", row.Site == "pooled" ? "site-overall" : null)],
            row.Site,
            (row.Metric, null),
            (row.Precision, "num"),
            (row.Recall, "num"),
            (row.F1, "num"),
            (row.Privacy, null)));

    /// <summary>Attributes, codes and fragments: figures with intervals and ε under DP.</summary>
    public static void Qualifiers(Html html, IReadOnlyList<Partages.Evaluation.Results.QualifierRow> rows) => DataTable.Write(
        html,
        "qualifiers-title",
        "Attributes, codes and fragments",
        "qualifiers-table",
        "span_attribute (EDS-NLP, on spans matched exactly), normalisation accuracy on matched coded spans, discontinuous entities by fragment; under differential privacy each figure with its 95% interval, which includes the noise.",
        ["Site", "Metric", "Scope", "Figures [95% CI]", "Privacy"],
        rows,
        row => DataTable.Row(
            html,
            [("data-site", row.Site), ("data-metric", row.Metric), ("data-scope", row.Scope), ("class", row.Site == "pooled" ? "site-overall" : null)],
            row.Site,
            (row.Metric, null),
            (row.Scope, null),
            (row.Figures, null),
            (row.Privacy, null)));
}
