using Partages.SecureAggregation.Noise;
using static Partages.NodeAgent.Tests.ReleaseGate.TestDisclosureRules;

namespace Partages.NodeAgent.Tests.ReleaseGate;

/// <summary>
/// A pooled-only release under differential privacy (docs/secure-aggregation.md, "Distributed noise"): each node adds
/// its share of Skellam noise, calibrated so that any t contributors' shares make the sum as private as the discrete
/// Gaussian release at the policy's ρ.
/// </summary>
public sealed class PooledReleaseTests
{
    private static readonly string[] s_labels = ["sensible", "BLSE", "carbapenemase"];

    [TestCase(2)]
    [TestCase(3)]
    [TestCase(26)]
    public void ApplyPooled_Private_EveryCountCarriesItsShareAndTSharesAreRhoPrivate(int threshold)
    {
        var result = Result([[40, 3, 0], [6, 55, 1], [0, 0, 12]]);
        var shares = new RecordingNoise(0);

        var released = DisclosureControl.ApplyPooled(result, Private, threshold, shares);

        // The Gaussian release would use σ² = Δ₂²/(2ρ) with Δ₂² = 2 on the outcome counts; the share is y·σ²/t.
        var sigmaSquared = 2 / (2 * Privacy.RhoPerRelease);
        var y = SkellamCalibration.Inflation(sigmaSquared);
        shares.Variances.Should().NotBeEmpty().And.OnlyContain(v => v >= y * sigmaSquared / threshold && v < y * sigmaSquared / threshold * (1 + 1e-6));
        var privacy = released.Release!.DifferentialPrivacy!;
        privacy.Mechanism.Should().Be(DifferentialPrivacyRelease.Skellam);
        privacy.NoiseThreshold.Should().Be(threshold);
        privacy.Rho.Should().Be(Privacy.RhoPerRelease, "the ledger charges the policy's ρ");
        privacy.Epsilon.Should().BeApproximately(1, 1e-6);
        privacy.NoiseVariance.OutcomeCounts.Should().BeApproximately(shares.Variances[0], 1e-9, "the variance stated is this node's share's");

        // Any t shares: variance t·share; the Skellam bound at that variance is within the policy's ρ.
        var summedVariance = threshold * shares.Variances.Min();
        SkellamCalibration.Rho(2 / (2 * summedVariance), summedVariance).Should().BeLessThanOrEqualTo(Privacy.RhoPerRelease);
    }

    [Test]
    public void ApplyPooled_PrivacyOff_ReleasesExactCountsWithoutNoise()
    {
        var result = Result([[40, 3, 0], [6, 55, 1], [0, 0, 12]]);
        var shares = new RecordingNoise(5);

        var released = DisclosureControl.ApplyPooled(result, Exact, 2, shares);

        shares.Variances.Should().BeEmpty();
        released.ConfusionMatrix.Matrix.Should().BeEquivalentTo(result.ConfusionMatrix.Matrix, o => o.WithStrictOrdering());
        released.Release!.IsExact.Should().BeTrue();
    }

    [Test]
    public void ApplyPooled_WithHistograms_EverySectionSharesItsOwnVariance()
    {
        var result = FakeEngine.SampleResult();
        var shares = new RecordingNoise(0);

        var released = DisclosureControl.ApplyPooled(result, Private with { MinDatasetDocuments = 1 }, 2, shares);

        var stated = released.Release!.DifferentialPrivacy!.NoiseVariance;
        double?[] sections = [stated.OutcomeCounts, stated.ScoreHistograms, stated.Calibration];
        shares.Variances.Distinct().Should().Contain(sections.Where(v => v is not null).Select(v => v!.Value), "every variance stated is one a share was drawn with");
    }

    [Test]
    public void ApplyPooled_PrivateWithCalibrationRealShares_ReleasesWithCalibrationWithheld()
    {
        // What the demo's engine produces: histograms and calibration sums. The calibration sums' noise (up to
        // (2·1000²)² times a count's variance) is beyond the Skellam sampler: every node refused the whole release.
        var result = CalibratedResult();
        result.Calibration.Should().NotBeNull();

        var released = DisclosureControl.ApplyPooled(result, Private with { MinDatasetDocuments = 1 }, 2, new SkellamShareNoise());

        released.Calibration.Should().BeNull();
        released.Release!.WithheldSections.Should().ContainSingle(w => w.Section == "calibration");
        var stated = released.Release.DifferentialPrivacy!;
        stated.Mechanism.Should().Be(DifferentialPrivacyRelease.Skellam);
        stated.NoiseVariance.Calibration.Should().BeNull("no calibration sum was noised");
        stated.NoiseVariance.ScoreHistograms.Should().NotBeNull();
        released.ScoreHistograms.Should().NotBeNull();
    }

    [Test]
    public void ApplyPooled_CalibrationSums_TheirSkellamSharesWouldBeFarBeyondTheSamplersMaximumMu()
    {
        // Why calibration is withheld from a secure sum under DP (docs/secure-aggregation.md): at the policy's ε 1 and
        // t₀ = 2, a calibration count's share has μ ≈ 280, the confidence sums' (1000× its noise) ≈ 3·10⁸ and the
        // squared errors' (2·1000²×) ≈ 10¹⁵, against a sampler linear in μ capped at 10⁶.
        var result = CalibratedResult();
        var perSite = new RecordingNoise(0);
        var released = DisclosureControl.Apply(result, Private with { MinDatasetDocuments = 1 }, perSite);
        var calibration = released.Release!.DifferentialPrivacy!.NoiseVariance.Calibration!.Value;
        var y = SkellamCalibration.Inflation(perSite.Variances.Min());

        // A share of variance y·v/t₀ is Skellam(μ) with μ = y·v/(2t₀).
        double Mu(double variance) => y * variance / (2 * 2);
        var confidence = Mu(Math.Pow(NoisyCalibration.ConfidenceScale, 2) * calibration);
        var squaredErrors = Mu(Math.Pow(NoisyCalibration.SquaredErrorScale, 2) * calibration);
        TestContext.Out.WriteLine($"calibration count σ² {calibration:G4}, y {y:G4}: share μ calibration counts {Mu(calibration):G3}, confidence sums {confidence:G3}, squared errors {squaredErrors:G3}");

        Mu(perSite.Variances.Min()).Should().BeLessThan(SkellamParameter.MaximumMu, "the counts' shares are drawn");
        confidence.Should().BeGreaterThan(SkellamParameter.MaximumMu);
        squaredErrors.Should().BeGreaterThan(1e6 * SkellamParameter.MaximumMu, "no linear-time sampler draws it");
    }

    [TestCase(3, 2)]
    [TestCase(117, 4)]
    public void SkellamShareNoise_ManyDraws_MeanZeroAndTheVarianceAskedFor(long numerator, long denominator)
    {
        var noise = new SkellamShareNoise();
        var variance = (double)numerator / denominator;
        const int draws = 20_000;
        var values = Enumerable.Range(0, draws).Select(_ => (double)noise.Sample(new Rational(numerator, denominator))).ToArray();

        var mean = values.Average();
        var sampleVariance = values.Sum(v => (v - mean) * (v - mean)) / (draws - 1);

        // Tolerances of 5 standard errors (Skellam's excess kurtosis is 1/V): a correct sampler fails about once in 3.5 million runs.
        mean.Should().BeApproximately(0, 5 * Math.Sqrt(variance / draws));
        sampleVariance.Should().BeApproximately(variance, 5 * Math.Sqrt((variance + (2 * variance * variance)) / draws));
    }

    /// <summary>What the demo's engine produces: a confusion matrix, score histograms and calibration sums over 300 reports.</summary>
    private static ResultDocument CalibratedResult()
    {
        var labels = s_labels;
        var counts = new ClassificationCounts(labels);
        var histograms = new OneVsRestHistograms(labels);
        var calibration = new CalibrationStatistics();
        var random = new Random(11);
        for (var i = 0; i < 300; i++)
        {
            var gold = random.Next(labels.Length);
            double[] p = [.. Enumerable.Range(0, labels.Length).Select(c => c == gold ? 0.6 + (random.NextDouble() * 0.3) : random.NextDouble() * 0.2)];
            var predicted = Array.IndexOf(p, p.Max());
            counts.Add(gold, predicted);
            histograms.Add(gold, p);
            calibration.Add(gold, p);
        }

        return ResultDocument.FromStatistics("single_label_classification", counts, histograms, calibration, new InputSummary
        {
            DocumentsRead = counts.DocumentCount,
            DocumentsEvaluated = counts.DocumentCount,
        });
    }

    private static ResultDocument Result(long[][] matrix) =>
        ResultDocument.FromCounts("single_label_classification", ClassificationCounts.FromMatrix(s_labels, matrix), new InputSummary
        {
            DocumentsRead = matrix.Sum(r => r.Sum()),
            DocumentsEvaluated = matrix.Sum(r => r.Sum()),
        });
}
