using Partages.Evaluation.Privacy;

namespace Partages.Evaluation.Results;

/// <summary>
/// The counts of an entity recognition result as released under differential privacy, in the evaluation's type
/// order: nervaluate's outcomes and seqeval's per-type tp / fp / fn. Noisy counts keep their sign.
/// </summary>
public sealed record NoisyNerCounts(NerOutcomes Outcomes, long[] SeqevalTp, long[] SeqevalFp, long[] SeqevalFn)
{
    /// <summary>seqeval's words and words tagged correctly (under DP the two noisy cells are the correct and the other words); null when not released.</summary>
    public (long Words, long Correct)? Words { get; init; }

    /// <summary>The matching rule the counts follow (the result's <c>ner_matching</c>; null in results older than the key).</summary>
    public string? Matching { get; init; }

    /// <summary>nervaluate-1: the outcomes of each type matched alone (<see cref="NerByType"/>); null otherwise.</summary>
    public NerOutcomes? ByType { get; init; }

    /// <summary>The EDS-NLP metrics' cells (<see cref="NoisyEdsNlpCounts"/>); null when the spec asked none.</summary>
    public NoisyEdsNlpCounts? EdsNlp { get; init; }

    /// <summary>The attribute, normalisation and fragment cells (<see cref="NoisyQualifierCounts"/>); null when the spec asked none.</summary>
    public NoisyQualifierCounts? Qualifiers { get; init; }

    /// <summary>The sites' counts added; the word counts only when every site released them.</summary>
    public static NoisyNerCounts Sum(int types, IReadOnlyList<NoisyNerCounts> sites)
    {
        ArgumentNullException.ThrowIfNull(sites);
        long[] Add(Func<NoisyNerCounts, long[]> part) =>
            [.. Enumerable.Range(0, types).Select(t => sites.Sum(s => part(s)[t]))];
        return new NoisyNerCounts(NerOutcomes.Sum(types, sites.Select(s => s.Outcomes)), Add(s => s.SeqevalTp), Add(s => s.SeqevalFp), Add(s => s.SeqevalFn))
        {
            Words = sites.All(s => s.Words is not null) ? (sites.Sum(s => s.Words!.Value.Words), sites.Sum(s => s.Words!.Value.Correct)) : null,
            Matching = sites.Select(s => s.Matching).FirstOrDefault(),
            ByType = sites.Count > 0 && sites.All(s => s.ByType is not null) ? NerOutcomes.Sum(types, sites.Select(s => s.ByType!)) : null,
            EdsNlp = NoisyEdsNlpCounts.Sum([.. sites.Select(s => s.EdsNlp)]),
        };
    }
}

/// <summary>
/// Entity recognition results from counts released under differential privacy: a site's noisy release, and the pool
/// of several (sites released exactly join with noise variance 0). The four schemes are rebuilt from the noisy
/// outcomes, so every scheme count is the same sum of released outcomes as nervaluate's (<see cref="NerOutcomes"/>);
/// their figures come from <see cref="NoisyNerSchemes"/>, seqeval's from <see cref="NoisyRates"/>, each a point
/// estimate with a 95 % interval that includes the noise, or null (not estimable). seqeval's word-level accuracy comes
/// from the noisy word counts (each report's first W words). Deterministic: the same counts give the same document.
/// </summary>
public static class PrivateNerResults
{
    /// <param name="summary">documents_read exact (public under replace-one); documents evaluated and skipped kinds noisy.</param>
    /// <param name="clipping">The contribution bound and the noisy number of reports clipped.</param>
    /// <param name="release">Its differential privacy section gives the noise variance of each section.</param>
    public static ResultDocument Build(
        string task,
        IReadOnlyList<string> types,
        NoisyNerCounts counts,
        InputSummary summary,
        EntityClippingSection? clipping,
        ReleaseSection release)
    {
        ArgumentNullException.ThrowIfNull(types);
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(release);
        var privacy = release.DifferentialPrivacy ?? throw new ArgumentException("A private result needs its differential privacy section.", nameof(release));
        var entityVariance = privacy.NoiseVariance.EntityCounts ?? throw new ArgumentException("The release states no noise variance for entity outcomes.", nameof(release));
        var seqevalVariance = privacy.NoiseVariance.SeqevalCounts ?? throw new ArgumentException("The release states no noise variance for seqeval's counts.", nameof(release));

        var seqeval = NoisyRates.Estimate(types, counts.SeqevalTp, counts.SeqevalFp, counts.SeqevalFn, seqevalVariance);
        var perType = new SortedDictionary<string, ClassMetrics>(StringComparer.Ordinal);
        var intervals = new Dictionary<string, ClassIntervals>(StringComparer.Ordinal);
        for (var t = 0; t < types.Count; t++)
        {
            var figures = seqeval.PerClass[types[t]];
            var (tp, fp, fn) = (counts.SeqevalTp[t], counts.SeqevalFp[t], counts.SeqevalFn[t]);
            // Tn has no meaning for spans (as in seqeval's report).
            perType[types[t]] = new ClassMetrics(figures.Precision.Estimate, figures.Recall.Estimate, figures.F1.Estimate, tp + fn, tp, fp, fn, 0);
            intervals[types[t]] = Intervals(figures.Precision, figures.Recall, figures.F1);
        }

        var (micro, macro, weighted) = (Averaged(seqeval.Micro), Averaged(seqeval.Macro), Averaged(seqeval.Weighted));
        return new ResultDocument
        {
            Task = task,
            NDocuments = summary.DocumentsEvaluated,
            ConfusionMatrix = new ConfusionMatrixDto([.. types], [.. counts.Outcomes.Boundaries.Select(row => row.ToArray())]),
            PerClass = perType,
            Micro = micro,
            Macro = macro,
            Weighted = weighted,
            Accuracy = null,
            InputSummary = summary,
            Intervals = new IntervalsSection(IntervalsSection.DpSimulationMethod, 0.95, null, intervals)
            {
                MacroF1 = Interval.From(seqeval.Macro.F1),
                MicroF1 = Interval.From(seqeval.Micro.F1),
            },
            Schemes = Schemes(types, counts.Outcomes, entityVariance),
            NerMatching = counts.Matching,
            SchemesByType = counts.ByType is { } byType && privacy.NoiseVariance.EntityByTypeCounts is { } byTypeVariance
                ? SchemesByType(types, byType, byTypeVariance)
                : null,
            Seqeval = Seqeval(perType, micro, macro, weighted, counts.Words, privacy.NoiseVariance.WordCounts),
            EdsNlp = counts.EdsNlp is { } eds ? PrivateEdsNlp.Section(types, eds, privacy.NoiseVariance) : null,
            SpanQualifiers = counts.Qualifiers is { } qualifiers ? PrivateQualifiers.Section(types, qualifiers, privacy.NoiseVariance) : null,
            EntityClipping = clipping,
            Release = release,
        };
    }

    /// <summary>
    /// A released entity recognition result's counts, noisy or exact, in <paramref name="types"/>' order: the outcomes
    /// recovered from the schemes and the boundary matrix (every identity between them checked; signs are not, noise
    /// makes small counts negative), and seqeval's per-type counts.
    /// </summary>
    /// <exception cref="InvalidDataException">A section is missing, lacks a type, or the schemes contradict the boundary matrix.</exception>
    public static NoisyNerCounts Read(ResultDocument document, IReadOnlyList<string> types)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(types);
        var schemes = document.Schemes ?? throw new InvalidDataException("the entity recognition result has no schemes section");
        var released = new Dictionary<string, NerOutcomeCounts[]>(StringComparer.Ordinal);
        foreach (var scheme in NerSchemes.All)
        {
            if (!schemes.TryGetValue(scheme, out var section) || section?.PerType is null)
            {
                throw new InvalidDataException($"schemes.{scheme} is missing");
            }

            released[scheme] = [.. types.Select(type => section.PerType.TryGetValue(type, out var metrics) && metrics is not null
                ? metrics.ToCounts()
                : throw new InvalidDataException($"schemes.{scheme}.per_type lacks entity type '{type}'"))];
        }

        var outcomes = NerOutcomes.FromSchemes(types, (scheme, t) => released[scheme][t], ReleasedCounts.SignedMatrix(document, types), requireCounts: false);
        return WithSeqeval(document, types, outcomes) with
        {
            ByType = NerByType.Read(document, types, requireCounts: false),
            EdsNlp = document.EdsNlp is { } eds ? NoisyEdsNlpCounts.Read(eds, types) : null,
            Qualifiers = document.SpanQualifiers is { } qualifiers ? NoisyQualifierCounts.Read(qualifiers, types) : null,
        };
    }

    /// <summary>
    /// Pools entity recognition sites of which at least one released under differential privacy: outcomes, seqeval's
    /// counts, documents, skipped kinds and reports clipped add, and so do the noise variances. Schemes are pooled only
    /// when every site released them (else the pool would not be the union's; <paramref name="omitted"/> says so, and
    /// the pool is then seqeval's alone).
    /// </summary>
    /// <exception cref="InvalidDataException">A site's sections are malformed.</exception>
    public static ResultDocument Pool(string task, IReadOnlyList<string> types, IReadOnlyList<ResultDocument> sites, ICollection<OmittedSection>? omitted = null)
    {
        ArgumentNullException.ThrowIfNull(types);
        ArgumentNullException.ThrowIfNull(sites);
        var everySiteHasSchemes = sites.All(s => s.Schemes is not null);
        var matching = NerByType.Matching(sites);
        var counts = NoisyNerCounts.Sum(types.Count, [.. sites.Select(s => everySiteHasSchemes ? Read(s, types) : WithSeqeval(s, types, NerOutcomes.Zero(types.Count)))]);
        var privacy = DifferentialPrivacyRelease.Pool(sites.Select(s => s.Release?.DifferentialPrivacy))
            ?? throw new ArgumentException("No site released under differential privacy.", nameof(sites));
        var clipped = sites.Where(s => s.EntityClipping is not null).ToList();
        var clipping = clipped.Count == 0 ? null : new EntityClippingSection(clipped.Max(s => s.EntityClipping!.MaxEntitiesPerReport), clipped.Sum(s => s.EntityClipping!.ReportsClipped))
        {
            MaxWordsPerReport = clipped.All(s => s.EntityClipping!.MaxWordsPerReport is not null) ? clipped.Max(s => s.EntityClipping!.MaxWordsPerReport) : null,
        };
        counts = counts with { Matching = matching };
        // Noisy and exact cells add (exact sites with variance 0), like every other section.
        counts = counts with { EdsNlp = NoisyEdsNlpCounts.Sum([.. sites.Select(s => s.EdsNlp is { } e ? NoisyEdsNlpCounts.Read(e, types) : null)]) };
        if (counts.EdsNlp is { } eds && eds.Cells.Keys.Any(metric => PrivateEdsNlp.VarianceOf(privacy.NoiseVariance, metric) is null))
        {
            counts = counts with { EdsNlp = null };
        }

        if (counts.EdsNlp is null && sites.Any(s => s.EdsNlp is not null))
        {
            omitted?.Add(new OmittedSection("edsnlp", "the sites did not all release the same EDS-NLP metrics under the same threshold and bound, with their noise stated, and a pool of some would not be the union's"));
        }

        var qualifierSections = sites.Select(s => s.SpanQualifiers).ToList();
        counts = counts with { Qualifiers = NoisyQualifierCounts.Sum([.. qualifierSections.Select(q => q is null ? null : NoisyQualifierCounts.Read(q, types))], qualifierSections) };
        if (counts.Qualifiers is { } q && q.Cells.Keys.Any(metric => PrivateQualifiers.VarianceOf(privacy.NoiseVariance, metric) is null))
        {
            counts = counts with { Qualifiers = null };
        }

        if (counts.Qualifiers is null)
        {
            if (qualifierSections.Any(s => s is not null))
            {
                omitted?.Add(new OmittedSection("span_qualifiers", "the sites did not all release the same attribute, normalisation and fragment metrics over the same declarations, with their noise stated, and a pool of some would not be the union's"));
            }

            privacy = privacy with { NoiseVariance = privacy.NoiseVariance with { SpanAttributeCounts = null, NormalisationCounts = null, FragmentCounts = null } };
        }

        if (counts.EdsNlp is null)
        {
            privacy = privacy with { NoiseVariance = privacy.NoiseVariance with { EdsNlpExactCounts = null, EdsNlpTokenCounts = null, EdsNlpOverlapCounts = null } };
        }

        if (counts.ByType is null || privacy.NoiseVariance.EntityByTypeCounts is null)
        {
            // Some site released no per-type section (or none noised): a pool of the others would not be the union's.
            if (sites.Any(s => s.SchemesByType is not null))
            {
                omitted?.Add(new OmittedSection("schemes_by_type", "a site released none, and a pool of the other sites would not be the union's"));
            }

            counts = counts with { ByType = null };
            privacy = privacy with { NoiseVariance = privacy.NoiseVariance with { EntityByTypeCounts = null } };
        }

        if (counts.Words is null && privacy.NoiseVariance.WordCounts is not null)
        {
            privacy = privacy with { NoiseVariance = privacy.NoiseVariance with { WordCounts = null } };
        }

        if (counts.Words is not null && privacy.NoiseVariance.WordCounts is null)
        {
            // Some DP site released no word counts (a result from before the bound): the pool's words are not the union's.
            counts = counts with { Words = null };
        }

        var pooled = Build(task, types, counts, InputSummary.Sum(sites.Select(s => s.InputSummary)), clipping, new ReleaseSection { DifferentialPrivacy = privacy });
        if (everySiteHasSchemes)
        {
            return pooled;
        }

        omitted?.Add(new OmittedSection("schemes", "a site released none, and a pool of the other sites would not be the union's"));
        return pooled with { Schemes = null };
    }

    /// <summary>The outcomes with the document's seqeval counts.</summary>
    /// <exception cref="InvalidDataException">The seqeval section is missing or lacks a type.</exception>
    private static NoisyNerCounts WithSeqeval(ResultDocument document, IReadOnlyList<string> types, NerOutcomes outcomes)
    {
        var seqeval = document.Seqeval ?? throw new InvalidDataException("the entity recognition result has no seqeval section");
        var metrics = types.Select(type => seqeval.PerType is not null && seqeval.PerType.TryGetValue(type, out var m) && m is not null
            ? m
            : throw new InvalidDataException($"seqeval.per_type lacks entity type '{type}'")).ToList();
        return new NoisyNerCounts(outcomes, [.. metrics.Select(m => m.Tp)], [.. metrics.Select(m => m.Fp)], [.. metrics.Select(m => m.Fn)])
        {
            Words = seqeval is { Words: { } words, WordsCorrect: { } correct } ? (words, correct) : null,
        };
    }

    private static SeqevalSection Seqeval(
        SortedDictionary<string, ClassMetrics> perType,
        AveragedMetrics micro,
        AveragedMetrics macro,
        AveragedMetrics weighted,
        (long Words, long Correct)? words,
        double? variance)
    {
        if (words is not { } counts || variance is not { } v)
        {
            return new SeqevalSection(NerResults.SeqevalMode, NerResults.SeqevalScheme, perType, micro, macro, weighted, Words: null, WordsCorrect: null, Accuracy: null);
        }

        // Released as two cells, words tagged correctly and the others (Words is their sum), each with variance v.
        var accuracy = NoisyProportion.Estimate(counts.Correct, counts.Words - counts.Correct, v);
        return new SeqevalSection(NerResults.SeqevalMode, NerResults.SeqevalScheme, perType, micro, macro, weighted, counts.Words, counts.Correct, accuracy.Estimate)
        {
            AccuracyInterval = Interval.From(accuracy),
        };
    }

    private static SortedDictionary<string, NerSchemeSection> Schemes(IReadOnlyList<string> types, NerOutcomes outcomes, double variance)
    {
        var figures = NoisyNerSchemes.Estimate(types, outcomes, variance);
        var section = new SortedDictionary<string, NerSchemeSection>(StringComparer.Ordinal);
        foreach (var scheme in NerSchemes.All)
        {
            var (perType, intervals) = PerType(types, outcomes, scheme, figures[scheme]);
            var overall = Enumerable.Range(0, types.Count).Select(t => outcomes.Scheme(scheme, t)).Aggregate(new NerOutcomeCounts(), NerOutcomeCounts.Add);
            var total = figures[scheme][types.Count];
            section[scheme] = new NerSchemeSection(perType, Metrics(overall, total))
            {
                PerTypeIntervals = intervals,
                OverallIntervals = Intervals(total.Precision, total.Recall, total.F1),
            };
        }

        return section;
    }

    /// <summary>nervaluate-1's types matched alone: per type only, their overall being <see cref="Schemes"/>'.</summary>
    private static SortedDictionary<string, NerTypeSchemesSection> SchemesByType(IReadOnlyList<string> types, NerOutcomes outcomes, double variance)
    {
        var figures = NoisyNerSchemes.Estimate(types, outcomes, variance);
        var section = new SortedDictionary<string, NerTypeSchemesSection>(StringComparer.Ordinal);
        foreach (var scheme in NerSchemes.All)
        {
            var (perType, intervals) = PerType(types, outcomes, scheme, figures[scheme]);
            section[scheme] = new NerTypeSchemesSection(perType) { PerTypeIntervals = intervals };
        }

        return section;
    }

    /// <summary>One scheme's counts and figures of each type, with their intervals.</summary>
    private static (SortedDictionary<string, NerSchemeMetrics> PerType, SortedDictionary<string, ClassIntervals> Intervals) PerType(
        IReadOnlyList<string> types, NerOutcomes outcomes, string scheme, IReadOnlyList<NoisySchemeFigures> figures)
    {
        var perType = new SortedDictionary<string, NerSchemeMetrics>(StringComparer.Ordinal);
        var intervals = new SortedDictionary<string, ClassIntervals>(StringComparer.Ordinal);
        for (var t = 0; t < types.Count; t++)
        {
            perType[types[t]] = Metrics(outcomes.Scheme(scheme, t), figures[t]);
            intervals[types[t]] = Intervals(figures[t].Precision, figures[t].Recall, figures[t].F1);
        }

        return (perType, intervals);
    }

    private static NerSchemeMetrics Metrics(NerOutcomeCounts c, NoisySchemeFigures figures) => new(
        c.Correct,
        c.Incorrect,
        c.Partial,
        c.Missed,
        c.Spurious,
        c.Correct + c.Incorrect + c.Partial + c.Missed,
        c.Correct + c.Incorrect + c.Partial + c.Spurious,
        figures.Precision.Estimate,
        figures.Recall.Estimate,
        figures.F1.Estimate);

    private static ClassIntervals Intervals(NoisyInterval precision, NoisyInterval recall, NoisyInterval f1) =>
        new(Interval.From(precision), Interval.From(recall)) { F1 = Interval.From(f1) };

    private static AveragedMetrics Averaged(NoisyAveragedMetrics figures) =>
        new(figures.Precision.Estimate, figures.Recall.Estimate, figures.F1.Estimate);
}
