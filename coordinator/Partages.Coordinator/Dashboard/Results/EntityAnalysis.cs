using Partages.Evaluation.Metrics;
using Partages.Evaluation.Results;

namespace Partages.Coordinator.Dashboard.Results;

/// <summary>
/// One entity type's figures under one scheme (or <see cref="EntityAnalysis.OverallRow"/> for the sum over types).
/// The results JSON writes 0 for a ratio over 0; the dashboard shows such a ratio as undefined instead, because a
/// recall of 0 for a type nobody annotated would read as a failure of the model.
/// </summary>
public sealed record EntityRow(string Type, NerSchemeMetrics Metrics)
{
    /// <summary>No gold entity of this type: recall (and so F1) is undefined.</summary>
    public bool NoGold => Metrics.Possible == 0;

    /// <summary>The model predicted no entity of this type: precision is undefined.</summary>
    public bool NoPredicted => Metrics.Actual == 0;

    public double? Precision => NoPredicted ? null : Metrics.Precision;

    public double? Recall => NoGold ? null : Metrics.Recall;

    /// <summary>Undefined without gold entities; 0 (nothing found) when gold entities exist but none was predicted.</summary>
    public double? F1 => NoGold ? null : Metrics.F1;

    /// <summary>Why a bar is missing, in words; null when all three are drawn.</summary>
    public string? Note => (NoGold, NoPredicted) switch
    {
        (true, true) => "no gold and no predicted entity",
        (true, false) => $"no gold entity ({Metrics.Spurious} predicted, all spurious): recall undefined",
        (false, true) => "no entity predicted: precision undefined",
        _ => null,
    };
}

/// <summary>One scheme's bars: a row per entity type in the evaluation's order, then the overall row.</summary>
public sealed record SchemeBars(string Scheme, IReadOnlyList<EntityRow> Types, EntityRow Overall);

/// <summary>One site's released scheme figures; <see cref="Schemes"/> is null when the site released none.</summary>
public sealed record SiteEntities(string Site, IReadOnlyList<SchemeBars>? Schemes);

/// <summary>
/// What an entity recognition evaluation shows beside the classification-style table: nervaluate's four schemes
/// (strict, exact, partial, type) per entity type, pooled (sums of the sites' counts, docs/ner.md) and per site.
/// <see cref="Pooled"/> is null, with <see cref="PooledNote"/>, when the pooled result carries no schemes section.
/// </summary>
/// <param name="Matching">How predictions were paired with gold entities (<see cref="NerMatching"/>), so the page says
/// which nervaluate release its figures agree with.</param>
public sealed record EntityAnalysis(IReadOnlyList<string> Types, IReadOnlyList<SchemeBars>? Pooled, string? PooledNote, IReadOnlyList<SiteEntities> Sites)
{
    public const string OverallRow = "All types";

    public string Matching { get; init; } = NerMatching.Nervaluate1;

    /// <summary>EDS-NLP's micro figures per site and pooled, with intervals and ε under DP (<see cref="ReleaseNotes.EdsNlpRows"/>); empty when the spec asked none.</summary>
    public IReadOnlyList<EdsNlpRow> EdsNlp { get; init; } = [];

    /// <summary>span_attribute, normalisation and ner_fragments per site and pooled (<see cref="QualifierReleaseNotes.Rows"/>); empty when the spec asked none.</summary>
    public IReadOnlyList<QualifierRow> Qualifiers { get; init; } = [];

    /// <summary>The matching rule in words, for the page.</summary>
    public string MatchingNote => Matching == NerMatching.Nervaluate1
        ? "Matching: nervaluate 1.x (ner_matching: nervaluate-1): each prediction takes at most one gold entity; each type's row matches that type's entities alone, the All types row all types together."
        : "Matching: nervaluate 0.1.x (ner_matching: nervaluate-0.1): a gold entity overlapped by several predictions is counted once per prediction; All types is the sum of the rows.";

    /// <summary>How the page names each scheme, and what it asks of a predicted entity.</summary>
    public static IReadOnlyDictionary<string, (string Title, string Rule)> SchemeNames { get; } = new Dictionary<string, (string, string)>(StringComparer.Ordinal)
    {
        [NerSchemes.Strict] = ("Strict", "same boundaries and same type"),
        [NerSchemes.Exact] = ("Exact", "same boundaries, any type"),
        [NerSchemes.Partial] = ("Partial", "overlapping boundaries, any type; a partial overlap earns half a point"),
        [NerSchemes.Type] = ("Type", "same type, boundaries at least overlapping"),
    };

    public static EntityAnalysis From(PooledResultDocument document, IReadOnlyList<string> types)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(types);
        var pooled = document.Pooled is { } p ? Schemes(p, types) : null;
        // The pooler names why it left the section out (e.g. one site's release gate withheld it): say that reason.
        var omitted = document.OmittedSections?.FirstOrDefault(o => o.Section == "schemes");
        var note = pooled is not null ? null
            : document.Pooled is null ? "not released: no site's result was pooled"
            : omitted is not null ? $"not released: {omitted.Reason}"
            : "not released: the pooled result carries no entity-level (schemes) section";
        var sites = document.PerSite.Select(s => new SiteEntities(s.Key, Schemes(s.Value, types))).ToList();
        var released = document.Pooled ?? document.PerSite.Values.FirstOrDefault();
        return new EntityAnalysis(types, pooled, note, sites) { Matching = NerMatching.OfResult(released?.NerMatching), EdsNlp = ReleaseNotes.EdsNlpRows(document), Qualifiers = QualifierReleaseNotes.Rows(document) };
    }

    /// <summary>
    /// The four schemes in their usual order; null unless every scheme is there with every type. Under nervaluate-1
    /// a type's row is from <c>schemes_by_type</c> (the type matched alone, as nervaluate 1.x reports it), the overall
    /// row from <c>schemes</c> (all types matched together).
    /// </summary>
    private static List<SchemeBars>? Schemes(ResultDocument document, IReadOnlyList<string> types)
    {
        if (document.Schemes is not { } section)
        {
            return null;
        }

        var bars = new List<SchemeBars>();
        foreach (var scheme in NerSchemes.All)
        {
            if (!section.TryGetValue(scheme, out var released) || released?.PerType is null || released.Overall is null)
            {
                return null;
            }

            var rows = new List<EntityRow>();
            foreach (var type in types)
            {
                var perType = document.SchemesByType is { } byType && byType.TryGetValue(scheme, out var alone) && alone?.PerType is not null
                    ? alone.PerType
                    : released.PerType;
                if (!perType.TryGetValue(type, out var metrics) || metrics is null)
                {
                    return null;
                }

                rows.Add(new EntityRow(type, metrics));
            }

            bars.Add(new SchemeBars(scheme, rows, new EntityRow(OverallRow, released.Overall)));
        }

        return bars;
    }
}
