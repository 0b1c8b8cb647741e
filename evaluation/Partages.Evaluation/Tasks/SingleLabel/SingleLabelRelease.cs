using Partages.Evaluation.Privacy;
using Partages.Evaluation.Results;

namespace Partages.Evaluation.Tasks.SingleLabel;

/// <summary>
/// A single-label result under differential privacy (docs/adr/0006-differential-privacy-by-default.md). The release's
/// ρ (from the policy's ε per release at its δ) is split between the sections released, and each section's counts
/// get discrete Gaussian noise of variance σ² = Δ₂² / (2 ρ_section), Δ₂ being what replacing one report can move:
/// <list type="bullet">
/// <item><b>Outcome counts</b> — every confusion-matrix cell and every skipped kind the readers know (all of them,
/// whether or not any line was of that kind, so which cells exist says nothing): a report is in exactly one, so
/// replacing it moves two cells by one, Δ₂² = 2.</item>
/// <item><b>Score histograms</b>, summed into the coarse data-independent grid <see cref="DpScoreGrid"/> so the noise
/// does not swamp the curve: a report is in one bin of each class's positive-or-negative histogram, C cells, so
/// Δ₂² = 2C.</item>
/// <item><b>Calibration</b>: each of the ten reliability bins' documents, correct predictions and confidence sum, and
/// the sum of squared errors. A report is in one bin, so replacing it moves two bins; a confidence moves a sum by at most
/// one full confidence (<see cref="NoisyCalibration.ConfidenceScale"/> steps) and a squared error by at most 2
/// (<see cref="NoisyCalibration.SquaredErrorScale"/> steps²): with each sum's noise scaled by the same factor, the
/// section's Δ₂² is <see cref="NoisyCalibration.SensitivitySquared"/> in units of a count's σ.</item>
/// </list>
/// The shares favour the histograms: accuracy sums 16 cells of noise, an AUROC spreads its denominator over 37 bins.
/// The lines read are released exactly: under replace-one they are the same for neighbouring snapshots.
/// </summary>
internal static class SingleLabelRelease
{
    /// <summary>Shares of the release's ρ, renormalised over the sections released.</summary>
    internal const double OutcomeShare = 0.35, HistogramShare = 0.5, CalibrationShare = 0.15;

    public static ResultDocument Apply(ResultDocument result, PrivateRelease policy)
    {
        var noise = policy.Noise;
        var labels = result.ConfusionMatrix.Labels;
        var withheld = new List<WithheldSection>();
        var histograms = ReadHistograms(result, withheld);
        var calibration = result.Calibration;
        var rho = policy.RhoPerRelease;
        var shares = OutcomeShare + (histograms is null ? 0 : HistogramShare) + (calibration is null ? 0 : CalibrationShare);
        var outcomeVariance = Rational.RoundUp(Zcdp.SigmaSquaredFor(rho * OutcomeShare / shares, sensitivitySquared: 2));
        Rational? histogramVariance = histograms is null
            ? null
            : Rational.RoundUp(Zcdp.SigmaSquaredFor(rho * HistogramShare / shares, sensitivitySquared: 2.0 * labels.Count));

        Rational? calibrationVariance = calibration is null
            ? null
            : Rational.RoundUp(Zcdp.SigmaSquaredFor(rho * CalibrationShare / shares, NoisyCalibration.SensitivitySquared));

        var matrix = result.ConfusionMatrix.Matrix.Select(row => row.Select(cell => cell + noise.Sample(outcomeVariance)).ToArray()).ToArray();
        var skipped = policy.NoisySkipped(result.InputSummary.Skipped, outcomeVariance);
        var noisyHistograms = histograms is null ? null : NoisyHistograms(labels, histograms, histogramVariance!.Value, noise);
        var noisyCalibration = calibration is null ? null : NoisyCalibrationSums(calibration, calibrationVariance!.Value, noise);

        var privacy = policy.Describe(new NoiseVariances(outcomeVariance.ToDouble(), histogramVariance?.ToDouble(), calibrationVariance?.ToDouble()));
        var summary = new InputSummary
        {
            DocumentsRead = result.InputSummary.DocumentsRead,
            DocumentsEvaluated = matrix.Sum(row => row.Sum()),
            Skipped = skipped,
        };
        return PrivateResults.Build(result.Task, labels, matrix, noisyHistograms, summary, new ReleaseSection { WithheldSections = withheld, DifferentialPrivacy = privacy }, noisyCalibration);
    }

    /// <summary>Every calibration sum noised, the confidence and squared-error sums on their own scale (see the class).</summary>
    private static CalibrationSection NoisyCalibrationSums(CalibrationSection exact, Rational variance, ICountNoise noise)
    {
        var confidenceVariance = Scaled(variance, NoisyCalibration.ConfidenceScale);
        var bins = exact.Bins;
        return new CalibrationSection(
            new CalibrationBins(
                [.. bins.Count.Select(n => n + noise.Sample(variance))],
                [.. bins.Correct.Select(c => c + noise.Sample(variance))],
                [.. bins.ConfidenceSteps.Select(s => s + noise.Sample(confidenceVariance))]),
            exact.SquaredErrorSteps + noise.Sample(Scaled(variance, NoisyCalibration.SquaredErrorScale)),
            Ece: null,
            Brier: null);
    }

    /// <summary>(scale·σ)², exactly: the noise of a sum whose sensitivity is <paramref name="scale"/> counts.</summary>
    private static Rational Scaled(Rational variance, long scale) => new(variance.Numerator * scale * scale, variance.Denominator);

    private static Metrics.OneVsRestHistograms? ReadHistograms(ResultDocument result, List<WithheldSection> withheld)
    {
        try
        {
            return result.ToHistograms();
        }
        catch (InvalidDataException ex)
        {
            withheld.Add(new WithheldSection("score_histograms", "unusable: " + ex.Message));
            return null;
        }
    }

    private static Dictionary<string, PrivateResults.NoisyHistogram> NoisyHistograms(
        IReadOnlyList<string> labels,
        Metrics.OneVsRestHistograms histograms,
        Rational variance,
        ICountNoise noise)
    {
        var released = new Dictionary<string, PrivateResults.NoisyHistogram>(StringComparer.Ordinal);
        foreach (var label in labels)
        {
            var histogram = histograms[histograms.IndexOf(label)];
            var positives = histogram.Grid.Coarsen(histogram.Positives);
            var negatives = histogram.Grid.Coarsen(histogram.Negatives);
            for (var b = 0; b < DpScoreGrid.Count; b++)
            {
                positives[b] += noise.Sample(variance);
                negatives[b] += noise.Sample(variance);
            }

            released[label] = new PrivateResults.NoisyHistogram(positives, negatives);
        }

        return released;
    }
}
