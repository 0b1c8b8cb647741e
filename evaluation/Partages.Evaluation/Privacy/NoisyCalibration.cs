namespace Partages.Evaluation.Privacy;

/// <summary>The calibration figures of a release under DP: expected calibration error and Brier score.</summary>
public sealed record NoisyCalibrationReport(NoisyInterval Ece, NoisyInterval Brier);

/// <summary>
/// Calibration from the sums of <see cref="CalibrationStatistics"/> released under DP. Each of the ten reliability
/// bins releases its documents, its correct predictions and its confidences (in grid steps); the sum of squared
/// errors goes with them. A report sits in one bin, so replacing it moves at most two bins' sums: with the scales
/// below the section's Δ₂² is 2 + 2 + 2 + 1 = <see cref="SensitivitySquared"/> in units of σ, and every sum gets
/// discrete Gaussian noise of variance (scale × σ)².
/// <list type="bullet">
/// <item><b>ECE</b> = Σ_b |correct_b − Σconf_b| / N. The absolute values turn noise into an upward bias (|0 + noise|
/// is never 0), so the estimate is corrected with the mechanism's known noise: a parametric bootstrap draws the
/// released sums again with the same noise and the sampling error of each bin, measures the bias that adds, and
/// removes it (estimate = 2·plug-in − mean of the draws, floored at 0); the 95 % interval is the bootstrap's basic
/// interval [2·plug-in − q₉₇.₅, 2·plug-in − q₂.₅], clamped to [0, 1] and widened to hold the estimate
/// (Efron and Tibshirani 1993, §10 and §13).</item>
/// <item><b>Brier</b> = Σ squared errors / N, noise symmetric, so the plug-in and a percentile interval.</item>
/// <item>Both are not estimable when N = Σ_b count_b is not clearly above its noise (2 standard deviations).</item>
/// </list>
/// </summary>
public static class NoisyCalibration
{
    /// <summary>Δ₂² of the whole section in units of σ: counts 2, correct 2, confidences 2, squared errors 1.</summary>
    public const double SensitivitySquared = 7;

    /// <summary>The confidence sums' noise is this many times a count's (one report moves a sum by ≤ one full confidence).</summary>
    public const long ConfidenceScale = ScoreGrid.Steps;

    /// <summary>The squared errors' noise is this many times a count's (one report's Σ(p − y)² is at most 2, in steps²).</summary>
    public const long SquaredErrorScale = 2L * ScoreGrid.Steps * ScoreGrid.Steps;

    public static NoisyCalibrationReport Estimate(
        IReadOnlyList<long> count,
        IReadOnlyList<long> correct,
        IReadOnlyList<long> confidenceSteps,
        long squaredErrorSteps,
        double countVariance,
        int simulations = 2000)
    {
        ArgumentNullException.ThrowIfNull(count);
        ArgumentNullException.ThrowIfNull(correct);
        ArgumentNullException.ThrowIfNull(confidenceSteps);
        NoisySimulation.Validate(countVariance, simulations);
        var bins = CalibrationStatistics.Bins;
        if (count.Count != bins || correct.Count != bins || confidenceSteps.Count != bins)
        {
            throw new ArgumentException($"Calibration sums need {bins} entries each.", nameof(count));
        }

        var total = count.Sum();
        if (!NoisySimulation.IsClearlyPositive(total, bins, countVariance))
        {
            return new NoisyCalibrationReport(NoisyInterval.NotEstimable, NoisyInterval.NotEstimable);
        }

        var steps = (double)ScoreGrid.Steps;
        var gaps = Enumerable.Range(0, bins).Select(b => correct[b] - confidenceSteps[b] / steps).ToArray();
        var squaredErrors = squaredErrorSteps / (steps * steps);
        var ece = EceOf(gaps, total);
        var brier = squaredErrors / total;

        var seed = new NoisySimulation.SeedBuilder("Partages.NoisyCalibration.v1").Add(countVariance).Add(simulations).Add(squaredErrorSteps);
        for (var b = 0; b < bins; b++)
        {
            seed.Add(count[b]).Add(correct[b]).Add(confidenceSteps[b]);
        }

        var random = seed.Build();
        // In count units: correct carries σ², the confidence sum (ConfidenceScale·σ)² in steps, i.e. σ² in documents.
        var gapNoise = 2 * countVariance;
        var squaredErrorNoise = countVariance * Math.Pow(SquaredErrorScale / (steps * steps), 2);
        var eceDraws = new double[simulations];
        var brierDraws = new double[simulations];
        var drawn = new double[bins];
        for (var s = 0; s < simulations; s++)
        {
            double n = 0;
            for (var b = 0; b < bins; b++)
            {
                var documents = Math.Max(0, count[b]);
                n += NoisySimulation.DrawCell(count[b], countVariance, random);
                // A report's 1[correct] − confidence lies in [−1, 1] with variance at most ¼: the sampling error of a sum of them.
                drawn[b] = gaps[b] + Math.Sqrt(gapNoise + 0.25 * documents) * random.NextNormal();
            }

            eceDraws[s] = n > 0 ? EceOf(drawn, n) : double.NaN;
            var mean = Math.Clamp(brier, 0, 2);
            var sampling = Math.Max(0, total) * mean * (2 - mean);
            var errors = squaredErrors + Math.Sqrt(squaredErrorNoise + sampling) * random.NextNormal();
            brierDraws[s] = n > 0 ? Math.Clamp(errors / n, 0, 2) : double.NaN;
        }

        // Exact sums (variance 0: a pool of sites with privacy off) have no noise bias to remove.
        var eceFigure = countVariance > 0 ? BiasCorrected(ece, eceDraws) : NoisySimulation.Interval(ece, eceDraws);
        return new NoisyCalibrationReport(eceFigure, NoisySimulation.Interval(Math.Clamp(brier, 0, 2), brierDraws));
    }

    private static double EceOf(double[] gaps, double total) => Math.Min(1, gaps.Sum(Math.Abs) / total);

    /// <summary>The basic bootstrap: the draws' spread around the plug-in, reflected, removes the bias they share with it.</summary>
    private static NoisyInterval BiasCorrected(double plugIn, double[] draws)
    {
        var percentile = NoisySimulation.Interval(plugIn, draws);
        if (percentile is not { CiLow: { } low, CiHigh: { } high } || (low == 0 && high == 1))
        {
            return percentile;
        }

        var defined = draws.Where(d => !double.IsNaN(d)).ToArray();
        var estimate = Math.Clamp(2 * plugIn - defined.Average(), 0, 1);
        var lower = Math.Clamp(2 * plugIn - high, 0, 1);
        var upper = Math.Clamp(2 * plugIn - low, 0, 1);
        return new NoisyInterval(estimate, Math.Min(lower, estimate), Math.Max(upper, estimate));
    }
}
