using Partages.Evaluation.Privacy;
using Partages.Evaluation.Results;

namespace Partages.Evaluation.Tasks.MultipleChoice;

/// <summary>
/// A multiple-choice result under differential privacy (replace-one, discrete Gaussian, one σ² for every count).
/// Replacing one question moves, at most: two bins of the Hamming-score histogram (each question is in exactly one),
/// two cells of the outcome-or-skip partition (each question is valid, invalid of one kind, or skipped of one kind),
/// and the truncated count by one: Δ₂² = 2 + 2 + 1 = 5. The exact match ratio, the Hamming score and the
/// invalid-output rate are computed from the noisy counts (post-processing), with intervals that include the noise.
/// </summary>
internal static class MultipleChoiceRelease
{
    /// <summary>Δ₂² of the whole release (see the class summary).</summary>
    public const double SensitivitySquared = 5;

    public static ResultDocument ApplyPrivate(ResultDocument result, PrivateRelease policy)
    {
        MultipleChoiceSection section;
        try
        {
            var given = result.MultipleChoice ?? throw new InvalidDataException("the result has no multiple_choice section");
            section = MultipleChoiceResults.Read(result, MultipleChoiceResults.OptionsOf(given), noisy: false);
        }
        catch (InvalidDataException ex)
        {
            throw new ReleaseRefusedException("the multiple-choice result is malformed: " + ex.Message, ex);
        }

        var variance = Rational.RoundUp(Zcdp.SigmaSquaredFor(policy.RhoPerRelease, SensitivitySquared));
        var histogram = section.HammingHistogram.Select(b => b.Count + policy.Sample(variance)).ToArray();
        var outputs = MultipleChoiceResults.AllOutcomes(section.Outputs);
        foreach (var kind in outputs.Keys.ToList())
        {
            outputs[kind] += policy.Sample(variance);
        }

        var truncated = section.Truncated + policy.Sample(variance);
        var summary = new InputSummary
        {
            DocumentsRead = result.InputSummary.DocumentsRead,
            DocumentsEvaluated = outputs.Values.Sum(),
            Skipped = policy.NoisySkipped(result.InputSummary.Skipped, variance),
        };
        var privacy = policy.Describe(new NoiseVariances(variance.ToDouble(), ScoreHistograms: null, Calibration: null));
        return MultipleChoiceResults.Build(
            result.Task, [.. section.HammingHistogram.Select(b => b.Score)], histogram, outputs, truncated, section.Decoding, summary,
            new ReleaseSection { DifferentialPrivacy = privacy }, privacy.NoiseVariance.OutcomeCounts);
    }

    /// <summary>Pools sites of which at least one released under differential privacy: noisy counts add with their variances; exact sites join with variance 0.</summary>
    public static ResultDocument PoolPrivate(string task, int options, IReadOnlyList<ResultDocument> sites)
    {
        var sections = sites.Select(s => MultipleChoiceResults.Read(s, options, noisy: s.Release?.DifferentialPrivacy is not null)).ToList();
        var (bins, histogram, outputs, truncated) = MultipleChoiceResults.Sum(sections);
        var privacy = DifferentialPrivacyRelease.Pool(sites.Select(s => s.Release?.DifferentialPrivacy))!;
        return MultipleChoiceResults.Build(
            task, bins, histogram, outputs, truncated, sections[0].Decoding, InputSummary.Sum(sites.Select(s => s.InputSummary)),
            new ReleaseSection { DifferentialPrivacy = privacy }, privacy.NoiseVariance.OutcomeCounts);
    }
}
