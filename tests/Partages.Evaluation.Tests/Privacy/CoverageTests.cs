namespace Partages.Evaluation.Tests.Privacy;

/// <summary>
/// Do the 95 % intervals of the figures from noisy counts cover the truth? 300 simulated hospitals of 1000 reports
/// (3 classes, accuracy 0.83; positives' scores logit-normal, AUROC 0.970), released through the exact discrete
/// Gaussian mechanism with σ² = 25 per confusion cell and 100 per histogram bin (σ² = 100 on Δ₂² = 2C = 6 is
/// ρ = 0.03 for the histograms: a moderate budget), each interval checked against the population's value.
/// With 300 trials the coverage estimate's sd is 1.3 points, so ≥ 93 % is 1.5 sd under nominal: a real
/// under-coverage fails, chance does not (and the seed is fixed, so the outcome is too).
/// </summary>
public class CoverageTests
{
    private const int Trials = 300;
    private const int Required = 279; // 93 % of 300

    private static readonly Lazy<CoverageScenario.Result> Result = new(() => new CoverageScenario
    {
        ConfusionProbabilities = [[0.25, 0.03, 0.02], [0.04, 0.30, 0.04], [0.01, 0.03, 0.28]],
        Documents = 1000,
        CellVariance = 25,
        BinVariance = 100,
        // 1000 draws for the AUROC (37 × 2 bins each) keep the test to a few seconds; its quantiles move by < 0.005.
        AurocSimulations = 1000,
    }.Run(Trials, 20261206));

    [Test]
    public void Estimate_SimulatedReleases_AccuracyIntervalCoversAtLeast93Percent()
    {
        TestContext.Out.WriteLine(Result.Value);
        Result.Value.AccuracyCovered.Should().BeGreaterThanOrEqualTo(Required);
    }

    [Test]
    public void Estimate_SimulatedReleases_RecallIntervalCoversAtLeast93Percent() =>
        Result.Value.RecallCovered.Should().BeGreaterThanOrEqualTo(Required);

    [Test]
    public void Auroc_SimulatedReleases_IntervalCoversAtLeast93Percent()
    {
        Result.Value.AurocNotEstimable.Should().BeLessThan(Trials / 20, "1000 reports at this noise are estimable");
        Result.Value.AurocCovered.Should().BeGreaterThanOrEqualTo((int)Math.Ceiling(0.93 * (Trials - Result.Value.AurocNotEstimable)));
    }
}
