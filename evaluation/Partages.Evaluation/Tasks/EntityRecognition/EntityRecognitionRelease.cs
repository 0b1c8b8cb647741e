using System.Globalization;
using Partages.Evaluation.Privacy;
using Partages.Evaluation.Results;

namespace Partages.Evaluation.Tasks.EntityRecognition;

/// <summary>
/// The release rules for an entity recognition result (docs/release-gate.md, "Entity recognition").
/// <para>
/// The four schemes are not independent counts: each is a sum of six <em>outcomes</em> per entity type
/// (<see cref="NerOutcomes"/>): A1 same boundaries and type and A2 same boundaries and another type (the boundary
/// matrix's diagonal and its cells off it), A3 overlap with the same type, A4 overlap with another type (under the
/// gold entity's type), A5 missed, A6 spurious (under the predicted type). Before anything is released the gate
/// recovers the outcomes and checks every identity between the schemes and the boundary matrix; a result breaking
/// one is refused, the reason naming the identity, never a count.
/// </para>
/// <para>
/// <b>Exact</b> (the dataset's policy says <c>differential_privacy: off</c>): the counts are released as they are.
/// </para>
/// <para>
/// <b>Under differential privacy</b> the engine counted at most m gold and m predicted entities per report and type
/// (the policy's <c>max_entities_per_report</c>, <see cref="EntityClippingSection"/>), so one report's weight is
/// bounded. Replacing one report (the other reports unchanged) moves each section's count vector by at most, in L2:
/// <list type="bullet">
/// <item><b>Outcomes</b> (the T² boundary cells, A3, A4, A5 per gold type, A6 per predicted type): a report adds a
/// vector v ≥ 0 in which each counted prediction is one unit in one cell (A1, A2, A3, A4 or A6) and each counted gold
/// entity no prediction touches is one unit of A5. Predictions of type p go to cells of column p, to A3_p, A6_p, or to
/// A4_g of another type g: only A4_g gathers several types, so the predictions' part has ‖·‖² ≤ (m(T − 1))² + m²
/// (all other types' m predictions on A4_g, type g's on one cell). The missed part has ‖·‖² ≤ T·m². For two
/// non-negative vectors ‖v − v′‖² ≤ ‖v‖² + ‖v′‖², so <b>Δ₂² = 2m²(T² − T + 2)</b>.</item>
/// <item><b>seqeval</b> (tp, fp, fn per type, over words): per type tp + fp ≤ m (predictions) and tp + fn ≤ m (gold
/// entities); the largest change of (tp, fp, fn) between two such reports is from (m, 0, 0) to (0, m, m), so
/// <b>Δ₂² = 3m²T</b>.</item>
/// <item><b>Reports</b> (documents evaluated, every skipped kind the readers know, reports clipped): a report is
/// evaluated or skipped in one kind, and is clipped or not: <b>Δ₂² = 2 + 1 = 3</b>.</item>
/// <item><b>Words</b> (seqeval's words tagged correctly and the others, over each report's first W words, the
/// policy's <c>max_words_per_report</c>): a report adds (c, w − c) with w ≤ W, so between two reports the change is
/// largest from (W, 0) to (0, W): <b>Δ₂² = 2W²</b>.</item>
/// <item><b>Outcomes of each type matched alone</b> (nervaluate-1's <c>schemes_by_type</c>: A1, A3, A5, A6 per
/// type): a report's predictions of type t (at most m) are each one unit in A1_t, A3_t or A6_t, its gold entities of
/// type t no prediction took (at most m) one unit of A5_t, so ‖v_t‖² ≤ m² + m² and ‖v‖² ≤ 2Tm²; for two
/// non-negative vectors, <b>Δ₂² = 4Tm²</b>. A2 and A4 are 0 by construction (data-independent) and stay 0.</item>
/// </list>
/// The release's ρ is split between these sections (<see cref="EntityShare"/>, <see cref="SeqevalShare"/>,
/// <see cref="ReportShare"/>, <see cref="WordShare"/>), each noised with σ² = Δ₂² / (2ρ_section) rounded up. Every scheme is then rebuilt
/// from the noisy outcomes (so exact.correct − strict.correct is still the released A2, and so on), and every figure
/// is estimated from the noisy counts with an interval (<see cref="PrivateNerResults"/>). The lines read are released
/// exactly (the same for neighbours).
/// </para>
/// </summary>
internal static class EntityRecognitionRelease
{
    /// <summary>Shares of the release's ρ: nervaluate's outcomes, seqeval's counts, the report counts, the word counts.</summary>
    internal const double EntityShare = 0.4, SeqevalShare = 0.35, ReportShare = 0.15, WordShare = 0.1;

    /// <summary>
    /// Under nervaluate-1, the part of <see cref="EntityShare"/> that goes to the types matched alone; the outcomes of
    /// all types together keep the rest, so the shares still sum to 1 and the release charges the same ρ.
    /// </summary>
    internal const double ByTypeShareOfEntity = 0.4;

    /// <summary>
    /// When the spec asked EDS-NLP metrics, their share of the release's ρ, split equally between the metrics asked;
    /// the four shares above are then scaled by (1 − <see cref="EdsNlpShare"/>), so the shares still sum to 1 and one
    /// release charges the same ρ in the ledger whatever the spec asked. The other sections' noise variances grow by
    /// 1 / 0.7 (σ by about 20 %): the price of releasing three more count vectors, paid only by specs that ask them.
    /// </summary>
    internal const double EdsNlpShare = 0.3;

    /// <summary>
    /// Δ₂² of ner_exact's (tp, positives − tp, support − tp) or ner_overlap's (true, other predictions, true, other
    /// gold) per type: per type and side at most m spans each in one cell, so ‖v‖² ≤ 2m²T and, for two non-negative
    /// vectors, Δ₂² = 4m²T.
    /// </summary>
    internal static double EdsNlpSpanSensitivitySquared(int m, int types) => 4.0 * m * m * types;

    /// <summary>
    /// Δ₂² of ner_token's (tp, positives − tp, support − tp) per type over each report's first W tokens. A side's spans
    /// do not overlap in characters, but widened to whole tokens two adjacent spans can share the token their edges
    /// fall in, so a side holds at most W + mT (token, label) items (one extra per span at most): ‖v‖² ≤ 2(W + mT)²,
    /// Δ₂² = 4(W + mT)².
    /// </summary>
    internal static double EdsNlpTokenSensitivitySquared(int maxTokens, int m, int types) => 4.0 * Math.Pow(maxTokens + ((double)m * types), 2);

    /// <summary>Δ₂² of the per-type outcomes of types matched alone (nervaluate-1), for m entities per report and type and T types.</summary>
    internal static double ByTypeSensitivitySquared(int m, int types) => 4.0 * m * m * types;

    /// <summary>Δ₂² of the word counts (correct, other) for W words per report (class summary).</summary>
    internal static double WordSensitivitySquared(int maxWords) => 2.0 * maxWords * maxWords;

    /// <summary>Δ₂² of the outcome counts under replace-one, for m entities per report and type and T types (class summary).</summary>
    internal static double EntitySensitivitySquared(int m, int types) => 2.0 * m * m * ((double)types * types - types + 2);

    /// <summary>Δ₂² of seqeval's per-type tp, fp and fn under replace-one (class summary).</summary>
    internal static double SeqevalSensitivitySquared(int m, int types) => 3.0 * m * m * types;

    /// <summary>Δ₂² of the report counts (evaluated or skipped in one kind: 2; clipped or not: 1).</summary>
    internal const double ReportSensitivitySquared = 3;

    /// <exception cref="ReleaseRefusedException">The result was not counted under a bound on entities per report, or its sections are malformed or contradict each other.</exception>
    public static ResultDocument ApplyPrivate(ResultDocument result, PrivateRelease policy)
    {
        var noise = policy.Noise;
        var types = result.ConfusionMatrix.Labels;
        var (outcomes, seqeval, byType) = ReadChecked(result);
        if (result.EntityClipping is not { } clipping)
        {
            throw new ReleaseRefusedException(
                "the entity recognition result was counted without a bound on entities per report, so no noise calibrated to one report exists for it; it is not released");
        }

        if (clipping.MaxEntitiesPerReport < 1 || clipping.MaxEntitiesPerReport > policy.MaxEntitiesPerReport)
        {
            throw new ReleaseRefusedException(string.Create(
                CultureInfo.InvariantCulture,
                $"the entity recognition result was counted under a bound of entities per report other than this dataset's (max_entities_per_report: {policy.MaxEntitiesPerReport}); it is not released"));
        }

        if (clipping.MaxWordsPerReport is not { } w || w < 1 || w > policy.MaxWordsPerReport)
        {
            throw new ReleaseRefusedException(string.Create(
                CultureInfo.InvariantCulture,
                $"the entity recognition result was counted without this dataset's bound on words per report (max_words_per_report: {policy.MaxWordsPerReport}); it is not released"));
        }

        var (words, wordsCorrect) = (seqeval.Words, seqeval.WordsCorrect);
        var edsMetrics = result.EdsNlp is { } eds ? EdsNlpResults.MetricsOf(eds) : [];
        if (edsMetrics.Contains(EdsNlpMetrics.Token) && (result.EdsNlp!.MaxTokensPerReport is not { } tokens || tokens < 1 || tokens > w))
        {
            throw new ReleaseRefusedException(
                "the EDS-NLP ner_token counts were counted without the bound on tokens per report (max_words_per_report); the result is not released");
        }

        // The bounds the engine enforced (at most the policy's) are what one report can weigh.
        var m = clipping.MaxEntitiesPerReport;
        var qualifierMetrics = result.SpanQualifiers?.Metrics() ?? [];
        var extras = edsMetrics.Count + qualifierMetrics.Count;
        var rho = policy.RhoPerRelease * (extras == 0 ? 1 : 1 - EdsNlpShare);
        var edsRho = extras == 0 ? 0 : policy.RhoPerRelease * EdsNlpShare / extras;
        var qualifierVariances = QualifierVariances(result, qualifierMetrics, edsRho, m, types.Count);
        Rational? EdsVariance(string metric) => !edsMetrics.Contains(metric) ? null : Rational.RoundUp(Zcdp.SigmaSquaredFor(
            edsRho,
            metric == EdsNlpMetrics.Token ? EdsNlpTokenSensitivitySquared(result.EdsNlp!.MaxTokensPerReport!.Value, m, types.Count) : EdsNlpSpanSensitivitySquared(m, types.Count)));
        var edsVariances = EdsNlpMetrics.All.ToDictionary(metric => metric, EdsVariance, StringComparer.Ordinal);
        var togetherShare = byType is null ? EntityShare : EntityShare * (1 - ByTypeShareOfEntity);
        var entityVariance = Rational.RoundUp(Zcdp.SigmaSquaredFor(rho * togetherShare, EntitySensitivitySquared(m, types.Count)));
        Rational? byTypeVariance = byType is null ? null : Rational.RoundUp(Zcdp.SigmaSquaredFor(rho * EntityShare * ByTypeShareOfEntity, ByTypeSensitivitySquared(m, types.Count)));
        var seqevalVariance = Rational.RoundUp(Zcdp.SigmaSquaredFor(rho * SeqevalShare, SeqevalSensitivitySquared(m, types.Count)));
        var reportVariance = Rational.RoundUp(Zcdp.SigmaSquaredFor(rho * ReportShare, ReportSensitivitySquared));
        var wordVariance = Rational.RoundUp(Zcdp.SigmaSquaredFor(rho * WordShare, WordSensitivitySquared(w)));

        long Noisy(long count, Rational variance) => count + noise.Sample(variance);
        long[] NoisyAll(IEnumerable<long> counts, Rational variance) => [.. counts.Select(c => Noisy(c, variance))];
        var noisyOutcomes = new NerOutcomes(
            [.. outcomes.Boundaries.Select(row => NoisyAll(row, entityVariance))],
            NoisyAll(outcomes.OverlapSameType, entityVariance),
            NoisyAll(outcomes.OverlapOtherType, entityVariance),
            NoisyAll(outcomes.Missed, entityVariance),
            NoisyAll(outcomes.Spurious, entityVariance));
        var range = Enumerable.Range(0, types.Count).ToList();
        var counts = new NoisyNerCounts(
            noisyOutcomes,
            NoisyAll(range.Select(seqeval.Tp), seqevalVariance),
            NoisyAll(range.Select(seqeval.Fp), seqevalVariance),
            NoisyAll(range.Select(seqeval.Fn), seqevalVariance))
        {
            Words = NoisyWords(words, wordsCorrect, wordVariance, noise),
            Matching = result.NerMatching,
            ByType = byType is null ? null : NoisyByType(byType, byTypeVariance!.Value, noise),
            EdsNlp = edsMetrics.Count == 0 ? null
                : NoisyEdsNlpCounts.FromCounts(EdsNlpResults.Read(result.EdsNlp!, types, requireCounts: true), edsMetrics, result.EdsNlp!.MaxTokensPerReport)
                    .Noised((metric, count) => Noisy(count, edsVariances[metric]!.Value)),
            Qualifiers = qualifierMetrics.Count == 0 ? null
                : NoisyQualifierCounts.FromCounts(QualifierResults.Read(result.SpanQualifiers!, types, requireCounts: true), qualifierMetrics)
                    .Noised((metric, count) => Noisy(count, qualifierVariances[metric]!.Value)),
        };
        var summary = new InputSummary
        {
            DocumentsRead = result.InputSummary.DocumentsRead,
            DocumentsEvaluated = Noisy(result.NDocuments, reportVariance),
            Skipped = policy.NoisySkipped(result.InputSummary.Skipped, reportVariance),
        };
        var reportsClipped = Noisy(clipping.ReportsClipped, reportVariance);

        var privacy = policy.Describe(new NoiseVariances(
            reportVariance.ToDouble(),
            ScoreHistograms: null,
            Calibration: null,
            entityVariance.ToDouble(),
            seqevalVariance.ToDouble(),
            WordCounts: wordVariance.ToDouble(),
            EntityByTypeCounts: byTypeVariance?.ToDouble(),
            EdsNlpExactCounts: edsVariances[EdsNlpMetrics.Exact]?.ToDouble(),
            EdsNlpTokenCounts: edsVariances[EdsNlpMetrics.Token]?.ToDouble(),
            EdsNlpOverlapCounts: edsVariances[EdsNlpMetrics.Overlap]?.ToDouble(),
            SpanAttributeCounts: qualifierVariances[QualifierMetrics.SpanAttribute]?.ToDouble(),
            NormalisationCounts: qualifierVariances[QualifierMetrics.Normalisation]?.ToDouble(),
            FragmentCounts: qualifierVariances[QualifierMetrics.Fragments]?.ToDouble()));
        var release = new ReleaseSection { DifferentialPrivacy = privacy };
        var clippingReleased = new EntityClippingSection(m, reportsClipped) { MaxWordsPerReport = w };
        return PrivateNerResults.Build(result.Task, types, counts, summary, clippingReleased, release);
    }

    /// <summary>
    /// Δ₂² of span_attribute's (tp, fp, fn) per attribute value: a report has at most mT matched spans (m per type), each
    /// adding per attribute at most one unit to a tp, or one to an fp and one to an fn; all of them in one fp and one fn
    /// cell is the largest, so per attribute ‖v‖² ≤ 2(mT)², over A attributes 2A(mT)², and for two non-negative
    /// vectors Δ₂² = 4A(mT)².
    /// </summary>
    internal static double SpanAttributeSensitivitySquared(int m, int types, int attributes) => 4.0 * attributes * Math.Pow((double)m * types, 2);

    /// <summary>Δ₂² of normalisation's (correct, wrong) per type: at most m matched coded spans per type, ‖v‖² ≤ Tm², Δ₂² = 2Tm².</summary>
    internal static double NormalisationSensitivitySquared(int m, int types) => 2.0 * types * m * m;

    /// <summary>
    /// Δ₂² of ner_fragments' cells per type: at most m discontinuous entities per type (each in exact or other) and
    /// F = <see cref="QualifierMetrics.MaxFragmentsPerEntity"/> fragments of each counted, so ‖v‖² ≤ T(m² + (Fm)²), Δ₂² = 2Tm²(1 + F²).
    /// </summary>
    internal static double FragmentSensitivitySquared(int m, int types) =>
        2.0 * types * m * m * (1 + (QualifierMetrics.MaxFragmentsPerEntity * QualifierMetrics.MaxFragmentsPerEntity));

    /// <summary>The noise variance of each qualifier metric asked, on its share of ρ; null for those not asked.</summary>
    private static Dictionary<string, Rational?> QualifierVariances(ResultDocument result, IReadOnlyList<string> asked, double rho, int m, int types)
    {
        var attributes = result.SpanQualifiers?.Attributes?.Count ?? 0;
        double Sensitivity(string metric) => metric switch
        {
            QualifierMetrics.SpanAttribute => SpanAttributeSensitivitySquared(m, types, Math.Max(1, attributes)),
            QualifierMetrics.Normalisation => NormalisationSensitivitySquared(m, types),
            _ => FragmentSensitivitySquared(m, types),
        };
        return QualifierMetrics.All.ToDictionary(
            metric => metric,
            metric => asked.Contains(metric) ? Rational.RoundUp(Zcdp.SigmaSquaredFor(rho, Sensitivity(metric))) : (Rational?)null,
            StringComparer.Ordinal);
    }

    /// <summary>The two word cells, correct and other, each noised; released as (their sum, the correct one).</summary>
    private static (long Words, long Correct) NoisyWords(long words, long correct, Rational variance, ICountNoise noise)
    {
        var noisyCorrect = correct + noise.Sample(variance);
        var noisyOther = words - correct + noise.Sample(variance);
        return (noisyCorrect + noisyOther, noisyCorrect);
    }

    /// <summary>A1, A3, A5, A6 of each type matched alone, each noised; A2 and A4 are 0 whatever the data, so they stay 0.</summary>
    private static NerOutcomes NoisyByType(NerOutcomes exact, Rational variance, ICountNoise noise)
    {
        var types = exact.Missed.Length;
        var noisy = NerOutcomes.Zero(types);
        for (var t = 0; t < types; t++)
        {
            noisy.Boundaries[t][t] = exact.Boundaries[t][t] + noise.Sample(variance);
            noisy.OverlapSameType[t] = exact.OverlapSameType[t] + noise.Sample(variance);
            noisy.Missed[t] = exact.Missed[t] + noise.Sample(variance);
            noisy.Spurious[t] = exact.Spurious[t] + noise.Sample(variance);
        }

        return noisy;
    }

    /// <summary>Exact counts, as the hospital chose: released as they are, once their consistency is checked.</summary>
    /// <exception cref="ReleaseRefusedException">The result's sections are malformed or contradict each other.</exception>
    public static ResultDocument Apply(ResultDocument result)
    {
        _ = ReadChecked(result);
        return result with { Release = new ReleaseSection() };
    }

    /// <summary>The exact outcomes and seqeval's counts, every identity between the sections checked.</summary>
    /// <exception cref="ReleaseRefusedException">A section is missing or malformed, or an identity does not hold.</exception>
    private static (NerOutcomes Outcomes, SeqevalCounts Seqeval, NerOutcomes? ByType) ReadChecked(ResultDocument result)
    {
        var types = result.ConfusionMatrix.Labels;
        NerSchemeCounts schemes;
        SeqevalCounts seqeval;
        ClassificationCounts boundaries;
        NerOutcomes? byType;
        try
        {
            schemes = NerResults.ReadSchemes(result, types);
            seqeval = NerResults.ReadSeqeval(result, types);
            boundaries = result.ToCounts();
            byType = NerByType.Read(result, types, requireCounts: true);
            if (result.EdsNlp is { } eds)
            {
                _ = EdsNlpResults.Read(eds, types, requireCounts: true);
            }

            if (result.SpanQualifiers is { } qualifiers)
            {
                _ = QualifierResults.Read(qualifiers, types, requireCounts: true);
            }

            if ((byType is not null) != (Metrics.NerMatching.OfResult(result.NerMatching) == Metrics.NerMatching.Nervaluate1))
            {
                throw new InvalidDataException("schemes_by_type is released with nervaluate-1 matching, and only with it");
            }
        }
        catch (InvalidDataException ex)
        {
            throw new ReleaseRefusedException("the entity recognition result is malformed, so it is not released: " + ex.Message, ex);
        }

        try
        {
            var outcomes = NerOutcomes.FromSchemes(types, schemes.Get, boundaries.ToMatrix(), requireCounts: true);
            if (byType is not null)
            {
                NerByType.CheckSameGold(types, outcomes, byType);
            }

            return (outcomes, seqeval, byType);
        }
        catch (InvalidDataException ex)
        {
            // The message names the type and the identity, never a count.
            throw new ReleaseRefusedException($"the entity recognition result's {ex.Message}, so it is not released", ex);
        }
    }
}
