using System.Globalization;

namespace Partages.Evaluation.Results;

/// <summary>
/// One line of the attribute, code and fragment figures as every rendering shows them: a site (or <c>pooled</c>), a
/// metric, its scope (micro, an <c>attribute=value</c>, overall or an entity type), its figures as text, its privacy.
/// </summary>
public sealed record QualifierRow(string Site, string Metric, string Scope, string Figures, string Privacy);

/// <summary>The <c>span_qualifiers</c> section as rows (docs/ner.md "Attributes, codes and fragments"), for the CLI and the dashboard alike.</summary>
public static class QualifierReleaseNotes
{
    /// <summary>
    /// Each site's (in name order) and the pool's rows: span_attribute micro then per value (P, R, F1 and AP),
    /// normalisation and ner_fragments overall then per type; "figure [low, high]" under differential privacy, "not
    /// estimable" where a denominator is not clear. Empty when no result has the section.
    /// </summary>
    public static IReadOnlyList<QualifierRow> Rows(PooledResultDocument result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var rows = new List<QualifierRow>();
        var scopes = result.PerSite.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (p.Key, (ResultDocument?)p.Value)).Append(("pooled", result.Pooled));
        foreach (var (site, document) in scopes)
        {
            if (document?.SpanQualifiers is not { } section)
            {
                continue;
            }

            var privacy = ReleaseNotes.PrivacyLabel(document);
            var noisy = document.Release?.DifferentialPrivacy is not null;
            if (section.SpanAttribute is { } attributes)
            {
                rows.Add(new QualifierRow(site, QualifierMetrics.SpanAttribute, "micro", Attribute(attributes.Micro, attributes.MicroIntervals, noisy), privacy));
                foreach (var (item, score) in attributes.PerValue)
                {
                    rows.Add(new QualifierRow(site, QualifierMetrics.SpanAttribute, item, Attribute(score, attributes.PerValueIntervals?.GetValueOrDefault(item), noisy), privacy));
                }
            }

            if (section.Normalisation is { } normalisation)
            {
                var metric = $"{QualifierMetrics.Normalisation} ({section.CodeSystem})";
                rows.Add(new QualifierRow(site, metric, "overall", "accuracy " + Proportion(normalisation.Overall), privacy));
                rows.AddRange(normalisation.PerType.Select(p => new QualifierRow(site, metric, p.Key, "accuracy " + Proportion(p.Value), privacy)));
            }

            if (section.Fragments is { } fragments)
            {
                static string Figures(FragmentScore s) => $"every fragment {Proportion(s.Entities)}; fragments {Proportion(s.Fragments)}";
                rows.Add(new QualifierRow(site, QualifierMetrics.Fragments, "overall", Figures(fragments.Overall), privacy));
                rows.AddRange(fragments.PerType.Select(p => new QualifierRow(site, QualifierMetrics.Fragments, p.Key, Figures(p.Value), privacy)));
            }
        }

        return rows;
    }

    private static string Attribute(SpanAttributeScore score, ClassIntervals? intervals, bool noisy) =>
        $"P {ReleaseNotes.WithInterval(score.Precision, intervals?.Precision)}, R {ReleaseNotes.WithInterval(score.Recall, intervals?.Recall)}, "
        + $"F1 {ReleaseNotes.WithInterval(score.F1, intervals?.F1)}, AP {(noisy ? "not released under DP" : ReleaseNotes.Figure(score.Ap))}";

    private static string Proportion(ProportionScore score) =>
        string.Create(CultureInfo.InvariantCulture, $"{ReleaseNotes.WithInterval(score.Rate, score.RateInterval)} of {score.Total}");
}
