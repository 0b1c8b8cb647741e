using Partages.Evaluation.Metrics;
using Partages.Evaluation.Results;
using Partages.NodeAgent.Engine;

namespace Partages.NodeAgent.ReleaseGate;

/// <summary>
/// The release rules for an entity recognition result (docs/release-gate.md, "Entity recognition").
/// <para>
/// The four schemes are not independent counts: each is a sum of six <em>outcomes</em> per entity type, and the k
/// rule is applied to those, never to a scheme's own cells. For type t, every prediction matched to a gold entity of
/// type t is exactly one of: same boundaries and type (A1, the boundary matrix's diagonal), same boundaries and
/// another type (A2, the boundary matrix's row t off the diagonal, one cell per predicted type), overlapping with the
/// same type (A3), overlapping with another type (A4); then missed gold entities (A5) and spurious predictions (A6).
/// strict = (A1, A2 + A3 + A4, 0, A5, A6), exact = (A1 + A2, A3 + A4, 0, A5, A6), partial = (A1 + A2, 0, A3 + A4, A5,
/// A6), type = (A1 + A3, A2 + A4, 0, A5, A6) as (correct, incorrect, partial, missed, spurious). Suppressing a
/// scheme's cell alone would be undone by subtraction (exact.correct − strict.correct = A2); suppressing the outcomes
/// and rebuilding every scheme from them leaves every released count a sum of released outcomes, each 0 or ≥ k.
/// </para>
/// <para>
/// seqeval's counts (per type tp / fp / fn, correct and wrong words) are k-suppressed the same way. The schemes and
/// seqeval count the same entities (in characters and in words), so the schemes' possible nearly equals seqeval's
/// support, per type and overall, and the overall actual seqeval's tp + fp: when k hid more from one of those totals in one section than
/// in the other, by 1 … k − 1, the difference of the released totals would give it away, and the schemes are withheld
/// (seqeval's figures fill the required members and stay).
/// </para>
/// <para>
/// Under differential privacy the release is refused: one report can hold any number of entities, so the counts'
/// sensitivity to one document is unbounded and no noise calibrated to it exists.
/// </para>
/// </summary>
internal static class NerDisclosure
{
    private const string SchemesSection = "schemes";

    /// <summary>Under differential privacy: not released yet (admission refuses such offers before any run).</summary>
    /// <exception cref="EvaluationRefusedException">Always.</exception>
    public static ResultDocument ApplyPrivate(ResultDocument result, Policy.DifferentialPrivacyPolicy privacy, ICountNoise noise) =>
        throw new EvaluationRefusedException("entity recognition results are not released under differential privacy on this node yet");

    /// <exception cref="EvaluationRefusedException">Differential privacy is on, or the result's sections are malformed or contradict each other.</exception>
    public static ResultDocument Apply(ResultDocument result, int k, bool differentialPrivacy)
    {
        if (differentialPrivacy)
        {
            throw new EvaluationRefusedException(
                "differential privacy is on for this dataset, and entity recognition results are not released under it: one report can hold "
                + "any number of entities, so no noise calibrated to one document exists for entity counts");
        }

        var types = result.ConfusionMatrix.Labels;
        NerSchemeCounts schemes;
        SeqevalCounts seqeval;
        ClassificationCounts boundaries;
        try
        {
            schemes = NerResults.ReadSchemes(result, types);
            seqeval = NerResults.ReadSeqeval(result, types);
            boundaries = result.ToCounts();
        }
        catch (InvalidDataException ex)
        {
            throw new EvaluationRefusedException("the entity recognition result is malformed, so it is not released: " + ex.Message, ex);
        }

        var outcomes = Outcomes.Of(schemes, boundaries);
        var suppressed = 0L;

        // What k hides from each released total the schemes and seqeval both have, per type: possible (gold side) and
        // actual (predicted side), all under the gold entity's type in the schemes.
        var hiddenPossible = new long[types.Count];
        var hiddenActual = new long[types.Count];

        // The boundary matrix holds A1 (diagonal) and A2 (off the diagonal, split by predicted type).
        var matrix = boundaries.ToMatrix();
        for (var g = 0; g < types.Count; g++)
        {
            for (var p = 0; p < types.Count; p++)
            {
                if (DisclosureControl.Reveals(matrix[g][p], k))
                {
                    suppressed++;
                    hiddenPossible[g] += matrix[g][p];
                    hiddenActual[g] += matrix[g][p];
                    matrix[g][p] = 0;
                }
            }
        }

        var releasedBoundaries = ClassificationCounts.FromMatrix(types, [.. matrix.Select(row => (IReadOnlyList<long>)row)]);

        var schemeSuppressed = 0L;
        var released = new Outcomes[types.Count];
        for (var t = 0; t < types.Count; t++)
        {
            var o = outcomes[t];
            var overlapSame = Suppress(o.OverlapSameType, k, ref schemeSuppressed);
            var overlapOther = Suppress(o.OverlapOtherType, k, ref schemeSuppressed);
            var missed = Suppress(o.Missed, k, ref schemeSuppressed);
            var spurious = Suppress(o.Spurious, k, ref schemeSuppressed);
            var hiddenOverlaps = (o.OverlapSameType - overlapSame) + (o.OverlapOtherType - overlapOther);
            hiddenPossible[t] += hiddenOverlaps + (o.Missed - missed);
            hiddenActual[t] += hiddenOverlaps + (o.Spurious - spurious);
            released[t] = new Outcomes(overlapSame, overlapOther, missed, spurious);
        }

        var seqevalSuppressed = 0L;
        var releasedSeqeval = new SeqevalCounts(types);
        var hiddenSupport = new long[types.Count];
        var hiddenPredicted = new long[types.Count];
        for (var t = 0; t < types.Count; t++)
        {
            var tp = Suppress(seqeval.Tp(t), k, ref seqevalSuppressed);
            var fp = Suppress(seqeval.Fp(t), k, ref seqevalSuppressed);
            var fn = Suppress(seqeval.Fn(t), k, ref seqevalSuppressed);
            hiddenSupport[t] = (seqeval.Tp(t) - tp) + (seqeval.Fn(t) - fn);
            hiddenPredicted[t] = (seqeval.Tp(t) - tp) + (seqeval.Fp(t) - fp);
            releasedSeqeval.Set(t, tp, fp, fn);
        }

        // Words: correct and wrong are the two outcomes; the released word count is their released sum.
        var correctWords = Suppress(seqeval.WordsCorrect, k, ref seqevalSuppressed);
        var wrongWords = Suppress(seqeval.Words - seqeval.WordsCorrect, k, ref seqevalSuppressed);
        releasedSeqeval.SetWords(correctWords + wrongWords, correctWords);
        suppressed += seqevalSuppressed;

        // possible ≈ seqeval's support per type, and overall actual ≈ seqeval's tp + fp (the same entities, in characters
        // and in words): if k hid more from one side than from the other, by 1 … k − 1, the released totals' difference
        // would show it. (Per type, actual and tp + fp differ whenever types are confused: the schemes count a prediction
        // under the gold type, seqeval under its own, so only their overall totals are compared.)
        var withheld = new List<WithheldSection>();
        var differences = Enumerable.Range(0, types.Count)
            .Select(t => hiddenPossible[t] - hiddenSupport[t])
            .Append(hiddenPossible.Sum() - hiddenSupport.Sum())
            .Append(hiddenActual.Sum() - hiddenPredicted.Sum());
        IReadOnlyDictionary<string, NerSchemeSection>? releasedSchemes = null;
        if (differences.Any(d => DisclosureControl.Reveals(Math.Abs(d), k)))
        {
            withheld.Add(new WithheldSection(
                SchemesSection,
                "the schemes and seqeval count the same entities, so the difference of their totals would reveal counts suppressed under k"));
        }
        else
        {
            releasedSchemes = NerResults.SchemesSection(Rebuild(types, releasedBoundaries, released));
            suppressed += schemeSuppressed;
        }

        var skipped = DisclosureControl.SkippedOf(result);
        suppressed += DisclosureControl.SuppressSkipped(skipped, k);
        var summary = DisclosureControl.ReleasedSummary(result.NDocuments, skipped);

        // Built from the released counts with placeholder schemes, then the schemes section set to what is released.
        return NerResults.Build(result.Task, result.NDocuments, new NerSchemeCounts(types), releasedSeqeval, releasedBoundaries, summary) with
        {
            Schemes = releasedSchemes,
            Release = new ReleaseSection { WithheldSections = withheld },
        };
    }

    private static long Suppress(long count, int k, ref long suppressed)
    {
        if (DisclosureControl.Reveals(count, k))
        {
            suppressed++;
            return 0;
        }

        return count;
    }

    /// <summary>The four schemes of every type, rebuilt from released outcomes (A1 and A2 from the released boundary matrix).</summary>
    private static NerSchemeCounts Rebuild(IReadOnlyList<string> types, ClassificationCounts boundaries, Outcomes[] outcomes)
    {
        var schemes = new NerSchemeCounts(types);
        for (var t = 0; t < types.Count; t++)
        {
            var sameSpan = boundaries[t, t];
            var sameSpanOtherType = Enumerable.Range(0, types.Count).Where(p => p != t).Sum(p => boundaries[t, p]);
            var o = outcomes[t];
            schemes.Set(NerSchemes.Strict, t, Counts(sameSpan, sameSpanOtherType + o.OverlapSameType + o.OverlapOtherType, 0, o));
            schemes.Set(NerSchemes.Exact, t, Counts(sameSpan + sameSpanOtherType, o.OverlapSameType + o.OverlapOtherType, 0, o));
            schemes.Set(NerSchemes.Partial, t, Counts(sameSpan + sameSpanOtherType, 0, o.OverlapSameType + o.OverlapOtherType, o));
            schemes.Set(NerSchemes.Type, t, Counts(sameSpan + o.OverlapSameType, sameSpanOtherType + o.OverlapOtherType, 0, o));
        }

        return schemes;
    }

    private static NerOutcomeCounts Counts(long correct, long incorrect, long partial, Outcomes o) => new()
    {
        Correct = correct,
        Incorrect = incorrect,
        Partial = partial,
        Missed = o.Missed,
        Spurious = o.Spurious,
    };

    /// <summary>A3 … A6 of one entity type (A1 and A2 are the boundary matrix's cells).</summary>
    private sealed record Outcomes(long OverlapSameType, long OverlapOtherType, long Missed, long Spurious)
    {
        /// <summary>
        /// Recovers the outcomes from the four schemes and checks every identity nervaluate's counting implies; a result
        /// that breaks one is refused rather than guessed at (the reason names the identity, never a count).
        /// </summary>
        /// <exception cref="EvaluationRefusedException">An identity does not hold.</exception>
        public static Outcomes[] Of(NerSchemeCounts schemes, ClassificationCounts boundaries)
        {
            var types = schemes.Types;
            var outcomes = new Outcomes[types.Count];
            for (var t = 0; t < types.Count; t++)
            {
                var strict = schemes.Get(NerSchemes.Strict, t);
                var exact = schemes.Get(NerSchemes.Exact, t);
                var partial = schemes.Get(NerSchemes.Partial, t);
                var type = schemes.Get(NerSchemes.Type, t);
                var sameSpan = strict.Correct;
                var sameSpanOtherType = exact.Correct - strict.Correct;
                var overlapSame = type.Correct - strict.Correct;
                var overlapOther = strict.Incorrect - sameSpanOtherType - overlapSame;
                var checks = new (bool Holds, string Identity)[]
                {
                    (sameSpanOtherType >= 0 && overlapSame >= 0 && overlapOther >= 0, "every outcome is a count (exact.correct and type.correct ≥ strict.correct, strict.incorrect ≥ their excess)"),
                    (boundaries[t, t] == sameSpan, "the boundary matrix's diagonal is strict.correct"),
                    (Enumerable.Range(0, types.Count).Where(p => p != t).Sum(p => boundaries[t, p]) == sameSpanOtherType, "the boundary matrix's row off the diagonal is exact.correct − strict.correct"),
                    (exact.Incorrect == overlapSame + overlapOther && type.Incorrect == sameSpanOtherType + overlapOther, "exact.incorrect and type.incorrect follow from the outcomes"),
                    (partial.Correct == exact.Correct && partial.Incorrect == 0 && partial.Partial == overlapSame + overlapOther, "partial = (exact.correct, 0, overlaps)"),
                    (strict.Partial == 0 && exact.Partial == 0 && type.Partial == 0, "only the partial scheme has partial outcomes"),
                    (new[] { exact, partial, type }.All(s => s.Missed == strict.Missed && s.Spurious == strict.Spurious), "missed and spurious are the same under every scheme"),
                };
                if (checks.FirstOrDefault(c => !c.Holds) is { Identity: { } broken })
                {
                    throw new EvaluationRefusedException($"the entity recognition result's counts for type '{types[t]}' break an identity of nervaluate's schemes ({broken}), so it is not released");
                }

                outcomes[t] = new Outcomes(overlapSame, overlapOther, strict.Missed, strict.Spurious);
            }

            return outcomes;
        }
    }
}
