namespace Partages.Evaluation.Tests.Privacy;

/// <summary>
/// The calibration figures of a DP release. Coverage: simulated hospitals whose model is over-confident (accuracy
/// 0.9 × confidence, ECE ≈ 0.08), released through the exact discrete Gaussian with the section's scales; each
/// interval checked against the same documents' exact figure. The ECE's bootstrap correction matters here: the plug-in
/// alone is biased upward by the noise in every bin.
/// </summary>
public class NoisyCalibrationTests
{
    private const int Trials = 200;

    [Test]
    public void Estimate_ExactSumsZeroVariance_AreTheExactFigures()
    {
        var statistics = Documents(new Random(7), 500);

        var report = Release(statistics, 0, noise: null);

        report.Ece.Estimate.Should().BeApproximately(statistics.ExpectedCalibrationError!.Value, 1e-12);
        report.Brier.Estimate.Should().BeApproximately(statistics.BrierScore!.Value, 1e-12);
    }

    [Test]
    public void Estimate_NoDocumentsUnderNoise_NotEstimable()
    {
        var statistics = new CalibrationStatistics();

        var report = Release(statistics, 900, new SeededRandomBits(20261207UL));

        report.Ece.Should().Be(NoisyInterval.NotEstimable);
        report.Brier.Should().Be(NoisyInterval.NotEstimable);
    }

    [TestCase(100.0, 2000)]
    [TestCase(958.0, 5000)] // ε 1 per release at δ 1e-6, calibration's 0.15 share of ρ.
    public void Estimate_SimulatedReleases_IntervalsCoverTheExactFiguresAtLeast90Percent(double variance, int documents)
    {
        var random = new Random(20261207);
        var bits = new SeededRandomBits(20261207UL);
        int eceCovered = 0, brierCovered = 0, estimable = 0;
        var plugInBias = new List<double>();
        var correctedBias = new List<double>();
        for (var t = 0; t < Trials; t++)
        {
            var statistics = Documents(random, documents);
            var report = Release(statistics, variance, bits);
            if (!report.Ece.IsEstimable)
            {
                continue;
            }

            estimable++;
            var exactEce = statistics.ExpectedCalibrationError!.Value;
            eceCovered += report.Ece.CiLow <= exactEce && exactEce <= report.Ece.CiHigh ? 1 : 0;
            var exactBrier = statistics.BrierScore!.Value;
            brierCovered += report.Brier.CiLow <= exactBrier && exactBrier <= report.Brier.CiHigh ? 1 : 0;
            correctedBias.Add(report.Ece.Estimate!.Value - exactEce);
        }

        TestContext.Out.WriteLine($"σ² {variance}, {documents} documents: estimable {estimable}/{Trials}, ECE covered {eceCovered}, Brier covered {brierCovered}, median ECE error {Median(correctedBias):F4}");
        estimable.Should().Be(Trials);
        eceCovered.Should().BeGreaterThanOrEqualTo((int)(0.9 * Trials));
        brierCovered.Should().BeGreaterThanOrEqualTo((int)(0.9 * Trials));
        Math.Abs(Median(correctedBias)).Should().BeLessThan(0.03);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    private static NoisyCalibrationReport Release(CalibrationStatistics statistics, double variance, IRandomBits? noise)
    {
        var bins = CalibrationStatistics.Bins;
        long Noise(double scale) => noise is null ? 0 : DiscreteGaussian.Sample(Rational.RoundUp(variance * scale * scale), noise);
        var count = new long[bins];
        var correct = new long[bins];
        var confidence = new long[bins];
        for (var b = 0; b < bins; b++)
        {
            var (n, c, s) = statistics[b];
            count[b] = n + Noise(1);
            correct[b] = c + Noise(1);
            confidence[b] = s + Noise(NoisyCalibration.ConfidenceScale);
        }

        var squaredErrors = statistics.SquaredErrorSteps + Noise(NoisyCalibration.SquaredErrorScale);
        return NoisyCalibration.Estimate(count, correct, confidence, squaredErrors, variance, simulations: 500);
    }

    /// <summary>Three classes; the top class's probability p uniform in [0.4, 1), the rest split evenly; correct with probability 0.9·p.</summary>
    private static CalibrationStatistics Documents(Random random, int count)
    {
        var statistics = new CalibrationStatistics();
        for (var i = 0; i < count; i++)
        {
            var p = 0.4 + 0.6 * random.NextDouble();
            var correct = random.NextDouble() < 0.9 * p;
            var gold = correct ? 0 : 1 + random.Next(2);
            statistics.Add(gold, [p, (1 - p) / 2, (1 - p) / 2 - 1e-9]);
        }

        return statistics;
    }
}
