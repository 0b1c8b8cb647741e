using System.Text.Json.Serialization;
using Partages.Evaluation.Bundles;

namespace Partages.Evaluation.Results;

/// <summary>One scheme's counts and metrics per entity type and overall (the sum over types).</summary>
public sealed record NerSchemeSection(IReadOnlyDictionary<string, NerSchemeMetrics> PerType, NerSchemeMetrics Overall)
{
    /// <summary>Under differential privacy: each type's 95 % intervals (noise and sampling error); absent otherwise.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, ClassIntervals>? PerTypeIntervals { get; init; }

    /// <summary>Under differential privacy: the overall figures' 95 % intervals; absent otherwise.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ClassIntervals? OverallIntervals { get; init; }
}

/// <summary>
/// <c>entity_clipping</c>: the contribution bound an entity recognition result was counted under (differential
/// privacy; absent from exact results, where every entity counts).
/// </summary>
/// <param name="MaxEntitiesPerReport">m: gold and predicted entities of one type counted per report, each side.</param>
/// <param name="ReportsClipped">Reports that had more than m entities of some type on either side, or more than W words
/// (noisy under DP).</param>
public sealed record EntityClippingSection(int MaxEntitiesPerReport, long ReportsClipped)
{
    /// <summary>W: words per report counted in word-level tag agreement; null in results counted before the bound existed.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? MaxWordsPerReport { get; init; }
}

/// <summary>
/// seqeval's strict-mode (IOB2) report over words: per type tp/fp/fn and P/R/F1, micro, macro and weighted
/// averages, and word-level tag accuracy (<c>accuracy_score</c>) from <see cref="Words"/> and <see cref="WordsCorrect"/>.
/// Under differential privacy the word counts are of each report's first W words (<see cref="EntityClippingSection"/>),
/// noisy, and the accuracy an estimate with <see cref="AccuracyInterval"/> (docs/release-gate.md).
/// </summary>
public sealed record SeqevalSection(
    string Mode,
    string Scheme,
    IReadOnlyDictionary<string, ClassMetrics> PerType,
    AveragedMetrics Micro,
    AveragedMetrics Macro,
    AveragedMetrics Weighted,
    long? Words,
    long? WordsCorrect,
    double? Accuracy)
{
    /// <summary>The accuracy's 95 % interval, which includes the noise (DP releases; null otherwise or when not estimable).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Interval? AccuracyInterval { get; init; }
}

/// <summary>
/// Builds, reads back and pools the results of a <see cref="TaskTypes.TokenClassification"/> run
/// (docs/results-schema.md, "Entity recognition"). Such a document keeps every required member of the schema, filled
/// with their entity-level meaning: <c>n_documents</c> the documents evaluated; <c>per_class</c>, <c>micro</c>,
/// <c>macro</c>, <c>weighted</c> seqeval's strict figures per entity type; <c>accuracy</c> seqeval's word-level
/// accuracy; <c>confusion_matrix</c> the entity types confused among gold and predicted entities with the same
/// boundaries (its diagonal is strict's correct count). The sufficient statistics are in <c>schemes</c> and
/// <c>seqeval</c>; everything else is derived from them.
/// </summary>
public static class NerResults
{
    public const string SeqevalMode = "strict";
    public const string SeqevalScheme = "IOB2";

    /// <summary>Why a pooled entity recognition result has no <c>heterogeneity</c> (listed in <c>omitted_sections</c>).</summary>
    public const string HeterogeneityOmitted =
        "not computed for entity recognition: entities cluster within reports, so a variance of a site's entity F1 that treats "
        + "entities as independent (the delta method over counts) would understate it, and no per-report statistic is released to correct it";

    /// <summary>The result of a run, from its statistics; with their contribution bound when they were counted under one.</summary>
    public static ResultDocument Build(string task, NerStatistics statistics, InputSummary inputSummary)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        return Build(task, statistics.DocumentCount, statistics.Schemes, statistics.Seqeval, statistics.Boundaries, inputSummary) with
        {
            NerMatching = statistics.Matching,
            SchemesByType = statistics.OneToOne is { } oneToOne ? NerByType.Section(statistics.Types, oneToOne.PerType) : null,
            EdsNlp = statistics.EdsNlpCounts is { } eds
                ? EdsNlpResults.Section(eds, statistics.EdsNlp!.Metrics) with { MaxTokensPerReport = statistics.MaxWordsPerReport }
                : null,
            SpanQualifiers = statistics.QualifierCounts is { } qualifiers ? QualifierResults.Section(qualifiers, statistics.Qualifiers!.Metrics) : null,
            EntityClipping = statistics.MaxEntitiesPerReport is { } m
                ? new EntityClippingSection(m, statistics.ReportsClipped) { MaxWordsPerReport = statistics.MaxWordsPerReport }
                : null,
        };
    }

    /// <param name="boundaryConfusion">Gold type (row) against predicted type (column) of entities with the same boundaries.</param>
    public static ResultDocument Build(
        string task,
        long documents,
        NerSchemeCounts schemes,
        SeqevalCounts seqeval,
        ClassificationCounts boundaryConfusion,
        InputSummary inputSummary)
    {
        ArgumentNullException.ThrowIfNull(schemes);
        ArgumentNullException.ThrowIfNull(seqeval);
        ArgumentNullException.ThrowIfNull(boundaryConfusion);
        var report = seqeval.Report();
        return ResultDocument.FromReport(task, documents, new ConfusionMatrixDto(boundaryConfusion.Labels, boundaryConfusion.ToMatrix()), report, inputSummary) with
        {
            Schemes = SchemesSection(schemes),
            Seqeval = new SeqevalSection(SeqevalMode, SeqevalScheme, report.PerClass, report.Micro, report.Macro, report.Weighted, seqeval.Words, seqeval.WordsCorrect, report.Accuracy),
        };
    }

    public static IReadOnlyDictionary<string, NerSchemeSection> SchemesSection(NerSchemeCounts counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var section = new SortedDictionary<string, NerSchemeSection>(StringComparer.Ordinal);
        foreach (var scheme in NerSchemes.All)
        {
            var perType = new SortedDictionary<string, NerSchemeMetrics>(StringComparer.Ordinal);
            for (var t = 0; t < counts.Types.Count; t++)
            {
                perType[counts.Types[t]] = NerSchemeMetrics.From(scheme, counts.Get(scheme, t));
            }

            section[scheme] = new NerSchemeSection(perType, NerSchemeMetrics.From(scheme, counts.Overall(scheme)));
        }

        return section;
    }

    /// <summary>The released scheme counts, in <paramref name="types"/>' order.</summary>
    /// <exception cref="InvalidDataException">The section is missing, lacks a scheme or a type, or holds a negative count.</exception>
    public static NerSchemeCounts ReadSchemes(ResultDocument document, IReadOnlyList<string> types)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(types);
        var section = document.Schemes ?? throw new InvalidDataException("the entity recognition result has no schemes section");
        var counts = new NerSchemeCounts(types);
        foreach (var scheme in NerSchemes.All)
        {
            if (!section.TryGetValue(scheme, out var released) || released?.PerType is null)
            {
                throw new InvalidDataException($"schemes.{scheme} is missing");
            }

            for (var t = 0; t < types.Count; t++)
            {
                if (!released.PerType.TryGetValue(types[t], out var metrics) || metrics is null)
                {
                    throw new InvalidDataException($"schemes.{scheme}.per_type lacks entity type '{types[t]}'");
                }

                try
                {
                    counts.Set(scheme, t, metrics.ToCounts());
                }
                catch (ArgumentException ex)
                {
                    throw new InvalidDataException($"schemes.{scheme}.per_type.{types[t]}: {ex.Message}", ex);
                }
            }
        }

        return counts;
    }

    /// <exception cref="InvalidDataException">The section is missing, lacks a type, or holds impossible counts.</exception>
    public static SeqevalCounts ReadSeqeval(ResultDocument document, IReadOnlyList<string> types)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(types);
        var section = document.Seqeval ?? throw new InvalidDataException("the entity recognition result has no seqeval section");
        var counts = new SeqevalCounts(types);
        try
        {
            for (var t = 0; t < types.Count; t++)
            {
                if (section.PerType is null || !section.PerType.TryGetValue(types[t], out var metrics) || metrics is null)
                {
                    throw new InvalidDataException($"seqeval.per_type lacks entity type '{types[t]}'");
                }

                counts.Set(t, metrics.Tp, metrics.Fp, metrics.Fn);
            }

            counts.SetWords(
                section.Words ?? throw new InvalidDataException("seqeval.words is missing"),
                section.WordsCorrect ?? throw new InvalidDataException("seqeval.words_correct is missing"));
        }
        catch (ArgumentException ex)
        {
            throw new InvalidDataException($"seqeval: {ex.Message}", ex);
        }

        return counts;
    }

    /// <summary>
    /// Pools entity recognition results by adding every site's counts (schemes, seqeval, the boundary confusion
    /// matrix, documents, input summary) and deriving the metrics from the sums: the pooled figures are those of the
    /// union of the sites' documents. A site's release gate may withhold <c>schemes</c> (docs/release-gate.md); a pool
    /// of the other sites' schemes would not be the union's, so the pooled <c>schemes</c> is then null and named in
    /// <paramref name="omitted"/>. When a site released under differential privacy, its noisy counts are pooled the
    /// same way, with their noise variances (<see cref="PrivateNerResults.Pool"/>).
    /// </summary>
    /// <exception cref="InvalidDataException">A site's NER sections are malformed, or its seqeval section is missing.</exception>
    public static ResultDocument Pool(string task, IReadOnlyList<string> types, IReadOnlyList<ResultDocument> sites, ICollection<OmittedSection>? omitted = null)
    {
        ArgumentNullException.ThrowIfNull(sites);
        if (sites.Any(s => s.Release?.DifferentialPrivacy is not null))
        {
            return PrivateNerResults.Pool(task, types, sites, omitted);
        }

        var everySiteHasSchemes = sites.All(s => s.Schemes is not null);
        var matching = NerByType.Matching(sites);
        var byType = sites.Count > 0 && sites.All(s => s.SchemesByType is not null)
            ? NerOutcomes.Sum(types.Count, sites.Select(s => NerByType.Read(s, types, requireCounts: true)!))
            : null;
        var edsNlp = PoolEdsNlp(types, sites, omitted);
        var pooled = Build(
            task,
            sites.Sum(s => s.NDocuments),
            everySiteHasSchemes ? NerSchemeCounts.Pool(types, sites.Select(s => ReadSchemes(s, types))) : new NerSchemeCounts(types),
            SeqevalCounts.Pool(types, sites.Select(s => ReadSeqeval(s, types))),
            ClassificationCounts.Pool(types, sites.Select(s => s.ToCounts())),
            InputSummary.Sum(sites.Select(s => s.InputSummary))) with
        {
            NerMatching = matching,
            SchemesByType = byType is null ? null : NerByType.Section(types, byType),
            EdsNlp = edsNlp,
            SpanQualifiers = QualifierResults.Pool(types, [.. sites.Select(s => s.SpanQualifiers)], omitted),
        };
        if (byType is null && sites.Any(s => s.SchemesByType is not null))
        {
            omitted?.Add(new OmittedSection("schemes_by_type", "a site released none, and a pool of the other sites would not be the union's"));
        }

        // Segments of one run (a worker replaced mid-run) were counted under the same bounds: keep them, so the
        // release gate still sees what one report can weigh.
        if (sites.Count > 0 && sites.All(s => s.EntityClipping is not null)
            && sites.Select(s => (s.EntityClipping!.MaxEntitiesPerReport, s.EntityClipping.MaxWordsPerReport)).Distinct().Count() == 1)
        {
            var first = sites[0].EntityClipping!;
            pooled = pooled with { EntityClipping = first with { ReportsClipped = sites.Sum(s => s.EntityClipping!.ReportsClipped) } };
        }

        if (everySiteHasSchemes)
        {
            return pooled;
        }

        omitted?.Add(new OmittedSection("schemes", sites.All(s => s.Schemes is null)
            ? "no site released it"
            : "a site's release gate withheld it, and a pool of the other sites would not be the union's"));
        return pooled with { Schemes = null };
    }

    /// <summary>
    /// The sites' <c>edsnlp</c> counters added (exact counts): the union's, when every site released the same metrics
    /// with the same threshold; else null, named in <paramref name="omitted"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">A site's section is malformed.</exception>
    private static EdsNlpSection? PoolEdsNlp(IReadOnlyList<string> types, IReadOnlyList<ResultDocument> sites, ICollection<OmittedSection>? omitted)
    {
        if (!sites.Any(s => s.EdsNlp is not null))
        {
            return null;
        }

        var sections = sites.Select(s => s.EdsNlp).ToList();
        if (sections.Any(s => s is null)
            || sections.Select(s => (s!.OverlapThreshold, string.Join(",", EdsNlpResults.MetricsOf(s)), s.MaxTokensPerReport)).Distinct().Count() > 1)
        {
            omitted?.Add(new OmittedSection("edsnlp", "the sites did not all release the same EDS-NLP metrics under the same threshold and bounds, and a pool of some would not be the union's"));
            return null;
        }

        var first = sections[0]!;
        var pooled = EdsNlpNerCounts.Pool(types, first.OverlapThreshold, sections.Select(s => EdsNlpResults.Read(s!, types, requireCounts: true)));
        return EdsNlpResults.Section(pooled, EdsNlpResults.MetricsOf(first)) with { MaxTokensPerReport = first.MaxTokensPerReport };
    }
}
