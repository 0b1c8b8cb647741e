using Partages.Evaluation.Privacy;
using Partages.Evaluation.Results;

namespace Partages.Evaluation.Tasks.MultiLabel;

/// <summary>
/// The release rules for a multi-label result (docs/release-gate.md, "Multi-label classification"). Before anything
/// is released the gate checks that each label's tp, fp, fn and tn add up to n_documents and that the co-occurrence
/// diagonal is each label's tp; a result that breaks either is refused.
/// <para>
/// <b>Exact</b> (the dataset's policy says <c>differential_privacy: off</c>): the counts are released as they are.
/// </para>
/// <para>
/// <b>Under differential privacy</b>, with L labels, replacing one report (the other reports unchanged) moves:
/// <list type="bullet">
/// <item><b>Outcome counts</b> — per label tp, fp, fn, tn; the exact matches and the other documents; every skipped
/// kind the readers know. An evaluated report is one unit in one of the four cells of each label and one unit in
/// exact-or-not (L + 1 cells); a skipped report is one unit in its kind. Two reports' cells differ in at most
/// 2(L + 1) places: <b>Δ₂² = 2L + 2</b>. n_documents is released as the noisy exact matches plus the noisy other
/// documents (it is not public: a report skipped on one side is evaluated on the other).</item>
/// <item><b>Co-occurrence off the diagonal</b> — gold label g, predicted label p ≠ g: a report with gold set G and
/// predicted set P adds one to each of the |G|·|P| − |G ∩ P| cells of G × P off the diagonal, up to L(L − 1). Both
/// reports' cells lie among the L(L − 1) cells off the diagonal, so their symmetric difference does too:
/// <b>Δ₂² = L(L − 1)</b> (reached by a report with every label on both sides against one with none). Noised with
/// its own share of ρ rather than withheld: confusion_matrix is a required member, and a matrix of zeros would read
/// as "never confused". The diagonal is each label's noisy tp, released once.</item>
/// </list>
/// The release's ρ is split <see cref="OutcomeShare"/> : <see cref="CooccurrenceShare"/> (all to the outcomes when
/// L = 1, which has no cell off the diagonal), each section noised with σ² = Δ₂² / (2ρ_section) rounded up, and
/// every figure is estimated from the noisy counts with an interval (<see cref="PrivateMultiLabelResults"/>).
/// </para>
/// </summary>
internal static class MultiLabelRelease
{
    /// <summary>Shares of the release's ρ, renormalised over the sections released.</summary>
    internal const double OutcomeShare = 0.75, CooccurrenceShare = 0.25;

    /// <summary>Δ₂² of the outcome counts under replace-one (class summary).</summary>
    internal static double OutcomeSensitivitySquared(int labels) => 2.0 * labels + 2;

    /// <summary>Δ₂² of the co-occurrence cells off the diagonal under replace-one (class summary).</summary>
    internal static double CooccurrenceSensitivitySquared(int labels) => (double)labels * (labels - 1);

    /// <exception cref="ReleaseRefusedException">The result is malformed or its counts contradict each other.</exception>
    public static ResultDocument ApplyPrivate(ResultDocument result, PrivateRelease policy)
    {
        var noise = policy.Noise;
        var exact = ReadChecked(result);
        var labels = exact.Labels;
        var l = labels.Count;
        var rho = policy.RhoPerRelease;
        var withCooccurrence = l > 1;
        var shares = OutcomeShare + (withCooccurrence ? CooccurrenceShare : 0);
        var outcomeVariance = Rational.RoundUp(Zcdp.SigmaSquaredFor(rho * OutcomeShare / shares, OutcomeSensitivitySquared(l)));
        Rational? cooccurrenceVariance = withCooccurrence
            ? Rational.RoundUp(Zcdp.SigmaSquaredFor(rho * CooccurrenceShare / shares, CooccurrenceSensitivitySquared(l)))
            : null;

        long Noisy(long count) => count + noise.Sample(outcomeVariance);
        var counts = new NoisyMultiLabelCounts(new long[l], new long[l], new long[l], new long[l], 0, 0, exact.Cooccurrence.ToMatrix());
        for (var c = 0; c < l; c++)
        {
            var (tp, fp, fn, tn) = exact[c];
            (counts.Tp[c], counts.Fp[c], counts.Fn[c], counts.Tn[c]) = (Noisy(tp), Noisy(fp), Noisy(fn), Noisy(tn));
        }

        counts = counts with
        {
            ExactMatches = Noisy(exact.ExactMatches),
            OtherDocuments = Noisy(exact.DocumentCount - exact.ExactMatches),
        };
        var skipped = policy.NoisySkipped(result.InputSummary.Skipped, outcomeVariance);
        for (var g = 0; g < l; g++)
        {
            for (var p = 0; p < l; p++)
            {
                // The diagonal is each label's tp, set from the noisy tp by the builder: noised once, not twice.
                counts.Cooccurrence[g][p] += g == p ? 0 : noise.Sample(cooccurrenceVariance!.Value);
            }
        }

        var privacy = policy.Describe(new NoiseVariances(outcomeVariance.ToDouble(), ScoreHistograms: null, Calibration: null, Cooccurrence: cooccurrenceVariance?.ToDouble()));
        var summary = new InputSummary
        {
            DocumentsRead = result.InputSummary.DocumentsRead,
            DocumentsEvaluated = counts.ExactMatches + counts.OtherDocuments,
            Skipped = skipped,
        };
        return PrivateMultiLabelResults.Build(result.Task, labels, result.MultiLabel!.Threshold, counts, summary, new ReleaseSection { DifferentialPrivacy = privacy });
    }

    /// <summary>Exact counts, as the hospital chose: released as they are, once their consistency is checked.</summary>
    /// <exception cref="ReleaseRefusedException">The result is malformed or its counts contradict each other.</exception>
    public static ResultDocument Apply(ResultDocument result)
    {
        _ = ReadChecked(result);
        return result with { Release = new ReleaseSection() };
    }

    /// <exception cref="ReleaseRefusedException">The result is malformed, a label's counts do not add up to n_documents, or the co-occurrence diagonal is not each label's tp.</exception>
    private static MultiLabelStatistics ReadChecked(ResultDocument result)
    {
        var labels = result.ConfusionMatrix.Labels;
        MultiLabelStatistics exact;
        try
        {
            exact = MultiLabelResults.Read(result, labels);
        }
        catch (InvalidDataException ex)
        {
            throw new ReleaseRefusedException("the multi-label result is malformed, so it is not released: " + ex.Message, ex);
        }

        for (var c = 0; c < labels.Count; c++)
        {
            var (tp, fp, fn, tn) = exact[c];
            if (tp + fp + fn + tn != exact.DocumentCount || exact.Cooccurrence[c, c] != tp)
            {
                throw new ReleaseRefusedException($"the multi-label result's counts for label '{labels[c]}' do not add up to n_documents or disagree with the co-occurrence diagonal, so it is not released");
            }
        }

        return exact;
    }
}
