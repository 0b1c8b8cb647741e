using Partages.Evaluation.Tokenization;

namespace Partages.Evaluation.Metrics;

/// <summary>
/// Entity recognition's sufficient statistics over the reports of one run — nervaluate's schemes over character
/// spans, seqeval's strict counts over words, the type confusion of entities with the same boundaries — with the
/// contribution bound that differential privacy needs (docs/adr/0006-differential-privacy-by-default.md).
/// <para>
/// With a bound m (<see cref="MaxEntitiesPerReport"/>), at most m gold and m predicted entities of each type are
/// counted per report: the first m in text order (by start, then end); the rest are clipped, as if absent, and
/// <see cref="ReportsClipped"/> counts the reports that lost any. One report then moves every count by a bounded
/// amount, which is what lets the release gate calibrate noise to one report. Predictions are clipped once, as
/// words, and the schemes read the character spans of the kept ones, so both sections count the same entities; gold
/// entities are clipped as character spans, and again as words (a no-op unless spans share a word). Word-level tag
/// agreement (<see cref="SeqevalCounts.Words"/>) has its own bound W (<see cref="MaxWordsPerReport"/>): only a
/// report's first W words count towards it, since a report's length is otherwise unbounded. <see cref="ReportsClipped"/>
/// counts a report that lost entities or words once. Without bounds every entity and word counts and nothing differs
/// from plain nervaluate and seqeval.
/// </para>
/// Not thread-safe.
/// </summary>
public sealed class NerStatistics
{
    private readonly NerSchemeCounts _schemes;
    private readonly NerEdsNlpOptions? _edsNlp;
    private readonly NerQualifierOptions? _qualifiers;

    /// <param name="matching">One of <see cref="NerMatching.All"/>: how predictions are paired with gold entities.</param>
    public NerStatistics(IReadOnlyList<string> types, int? maxEntitiesPerReport = null, int? maxWordsPerReport = null, string matching = NerMatching.Default)
    {
        ArgumentNullException.ThrowIfNull(types);
        if (!NerMatching.All.Contains(matching, StringComparer.Ordinal))
        {
            throw new ArgumentException($"'{matching}' is not a matching rule (valid: {string.Join(", ", NerMatching.All)}).", nameof(matching));
        }

        Matching = matching;
        if (maxEntitiesPerReport is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxEntitiesPerReport), maxEntitiesPerReport, "A bound counts at least one entity.");
        }

        if (maxWordsPerReport is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxWordsPerReport), maxWordsPerReport, "A bound counts at least one word.");
        }

        MaxWordsPerReport = maxWordsPerReport;
        Types = [.. types];
        MaxEntitiesPerReport = maxEntitiesPerReport;
        _schemes = new NerSchemeCounts(types);
        OneToOne = matching == NerMatching.Nervaluate1 ? new NervaluateOneToOneCounts(types) : null;
        Seqeval = new SeqevalCounts(types);
        Boundaries = new ClassificationCounts(types);
    }

    public IReadOnlyList<string> Types { get; }

    /// <summary>m: entities of one type counted per report, on each side; null: no bound (exact counts).</summary>
    public int? MaxEntitiesPerReport { get; }

    /// <summary>W: words counted towards word-level tag agreement per report (its first W); null: every word.</summary>
    public int? MaxWordsPerReport { get; }

    /// <summary>The matching rule the span counts follow (<see cref="NerMatching"/>).</summary>
    public string Matching { get; }

    /// <summary>
    /// The four schemes per type as released in <c>schemes</c>: under nervaluate-0.1 its counts; under nervaluate-1
    /// the outcomes of all types matched together, split by gold type (spurious by predicted type), whose sum over
    /// types is nervaluate 1.x's <c>overall</c> (its per-type figures are <see cref="OneToOne"/>'s <c>PerType</c>).
    /// </summary>
    public NerSchemeCounts Schemes => OneToOne is { } oneToOne ? NerSchemeCounts.FromOutcomes(Types, oneToOne.Together) : _schemes;

    /// <summary>The EDS-NLP metrics asked for and their threshold; null: none counted. Set before the first report.</summary>
    public NerEdsNlpOptions? EdsNlp
    {
        get => _edsNlp;
        init
        {
            _edsNlp = value;
            EdsNlpCounts = value is null ? null : new EdsNlpNerCounts(Types, value.OverlapThreshold);
        }
    }

    /// <summary>The attribute, normalisation and fragment metrics asked for, with the bundle's declarations; null: none counted. Set before the first report.</summary>
    public NerQualifierOptions? Qualifiers
    {
        get => _qualifiers;
        init
        {
            _qualifiers = value;
            QualifierCounts = value is null ? null : new NerQualifierCounts(Types, value.Schema);
        }
    }

    /// <summary>The counters of <see cref="Qualifiers"/> over the counted (clipped) entities; null unless asked.</summary>
    public NerQualifierCounts? QualifierCounts { get; private init; }

    /// <summary>EDS-NLP's counters over the counted (clipped) entities, ner_token over each report's first W tokens; null unless asked.</summary>
    public EdsNlpNerCounts? EdsNlpCounts { get; private init; }

    /// <summary>nervaluate 1.x's counts (overall and each type matched alone); null under nervaluate-0.1.</summary>
    public NervaluateOneToOneCounts? OneToOne { get; }

    public SeqevalCounts Seqeval { get; }

    /// <summary>Gold type (row) against predicted type (column) of counted gold and predicted entities with the same boundaries.</summary>
    public ClassificationCounts Boundaries { get; }

    public long DocumentCount { get; private set; }

    /// <summary>Reports of which some gold or predicted entity was clipped by <see cref="MaxEntitiesPerReport"/>.</summary>
    public long ReportsClipped { get; private set; }

    /// <summary>Adds one report.</summary>
    /// <param name="gold">Gold character spans (not overlapping one another; types index <see cref="Types"/>).</param>
    /// <param name="words">The report's words.</param>
    /// <param name="predictedWordTags">The model's <see cref="Iob2"/> tag of each word.</param>
    /// <param name="wordTokens">The report's EDS-NLP word tokens (<see cref="EdsNlpTokens.Of"/>); needed when <see cref="EdsNlp"/> is set.</param>
    /// <param name="goldQualifiers">What a gold entity carries (attributes, code, fragments); needed when <see cref="Qualifiers"/> is set.</param>
    /// <param name="predictedQualifiers">What the model gave a predicted entity; null when it predicts none.</param>
    /// <returns>The predicted character spans that were counted.</returns>
    public List<NerEntity> Add(
        IReadOnlyList<NerEntity> gold,
        IReadOnlyList<NerWord> words,
        ReadOnlySpan<int> predictedWordTags,
        IReadOnlyList<(int Start, int End)>? wordTokens = null,
        Func<NerEntity, SpanQualifiers?>? goldQualifiers = null,
        Func<NerEntity, SpanQualifiers?>? predictedQualifiers = null)
    {
        ArgumentNullException.ThrowIfNull(gold);
        ArgumentNullException.ThrowIfNull(words);
        var keptGold = Clip(gold, out var goldClipped);
        var goldTags = NerText.GoldWordTags(words, keptGold);
        var goldWords = Clip(Iob2.DecodeStrict(goldTags), out var goldWordsClipped);
        var predictedWords = Clip(Iob2.DecodeStrict(predictedWordTags), out var predictedClipped);
        var predicted = NerText.ToCharacterSpans(words, predictedWords);

        var wordsClipped = MaxWordsPerReport is { } maxWords && goldTags.Length > maxWords;
        var counted = wordsClipped ? MaxWordsPerReport!.Value : goldTags.Length;
        Seqeval.AddWords(goldTags.AsSpan(0, counted), predictedWordTags[..counted]);
        Seqeval.AddEntities(goldWords, predictedWords);
        if (OneToOne is { } oneToOne)
        {
            // The boundary matrix holds the pairs the one-to-one matching made, so its diagonal stays strict.correct.
            oneToOne.Add(keptGold, predicted);
            var match = NervaluateMatching.Match(keptGold, predicted);
            for (var p = 0; p < predicted.Count; p++)
            {
                if (match[p] >= 0 && keptGold[match[p]].SameBoundaries(predicted[p]))
                {
                    Boundaries.Add(keptGold[match[p]].Type, predicted[p].Type);
                }
            }
        }
        else
        {
            _schemes.Add(keptGold, predicted);
            foreach (var g in keptGold)
            {
                foreach (var p in predicted)
                {
                    if (g.SameBoundaries(p))
                    {
                        Boundaries.Add(g.Type, p.Type);
                    }
                }
            }
        }

        EdsNlpCounts?.Add(keptGold, predicted, wordTokens ?? throw new ArgumentNullException(nameof(wordTokens), "The EDS-NLP metrics count word tokens."), MaxWordsPerReport);
        QualifierCounts?.Add(keptGold, goldQualifiers ?? (_ => null), predicted, predictedQualifiers ?? (_ => null));
        DocumentCount++;
        ReportsClipped += goldClipped || goldWordsClipped || predictedClipped || wordsClipped ? 1 : 0;
        return predicted;
    }

    /// <summary>
    /// The entities kept under the bound: per type, the first m by (start, end), in their original order (which
    /// nervaluate's matching reads). The list itself, untouched, when nothing is over the bound.
    /// </summary>
    public IReadOnlyList<NerEntity> Clip(IReadOnlyList<NerEntity> entities, out bool clipped)
    {
        ArgumentNullException.ThrowIfNull(entities);
        clipped = false;
        if (MaxEntitiesPerReport is not { } max || entities.GroupBy(e => e.Type).All(g => g.Count() <= max))
        {
            return entities;
        }

        clipped = true;
        var kept = entities.Select((entity, index) => (entity, index))
            .GroupBy(e => e.entity.Type)
            .SelectMany(g => g.OrderBy(e => e.entity.Start).ThenBy(e => e.entity.End).Take(max))
            .OrderBy(e => e.index);
        return [.. kept.Select(e => e.entity)];
    }
}

/// <summary>The EDS-NLP metrics a spec asked for (a subset of <see cref="EdsNlpMetrics.All"/>) and ner_overlap's Dice threshold.</summary>
public sealed record NerEdsNlpOptions(IReadOnlyList<string> Metrics, double OverlapThreshold)
{
    /// <summary>The EDS-NLP metrics among a spec's <paramref name="metrics"/>; null when it asks none.</summary>
    public static NerEdsNlpOptions? From(IReadOnlyList<string> metrics, double overlapThreshold)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var asked = EdsNlpMetrics.All.Where(metrics.Contains).ToList();
        return asked.Count == 0 ? null : new NerEdsNlpOptions(asked, overlapThreshold);
    }
}

/// <summary>The attribute, normalisation and fragment metrics a spec asked for (a subset of <see cref="QualifierMetrics.All"/>) and what the bundle declares.</summary>
public sealed record NerQualifierOptions(IReadOnlyList<string> Metrics, NerQualifierSchema Schema)
{
    /// <summary>The qualifier metrics among a spec's <paramref name="metrics"/>; null when it asks none.</summary>
    public static NerQualifierOptions? From(IReadOnlyList<string> metrics, NerQualifierSchema schema)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var asked = QualifierMetrics.All.Where(metrics.Contains).ToList();
        return asked.Count == 0 ? null : new NerQualifierOptions(asked, schema);
    }
}
