namespace Partages.Evaluation.Tests.Metrics;

public class MetaAnalysisTests
{
    [Test]
    public void DerSimonianLaird_ThreeSites_MatchesHandComputationAndMetafor()
    {
        // θ = 0.70, 0.80, 0.90; v = 0.01, 0.04, 0.0025 → w = 100, 25, 400; Σw = 525.
        // θ_FE = (70 + 20 + 360) / 525 = 6/7 = 0.857142…; SE_FE = 1/√525 = 0.0436436.
        // Deviations from 6/7: −1.1/7, −0.4/7, +0.3/7 → Q = (100·1.21 + 25·0.16 + 400·0.09) / 49 = 161/49 = 23/7 = 3.285714.
        // df = 2 → I² = (23/7 − 2) / (23/7) = 9/23 = 0.391304.
        // C = Σw − Σw²/Σw = 525 − 170625/525 = 525 − 325 = 200 → τ² = (9/7) / 200 = 9/1400 = 0.0064286.
        // w* = 1/(v + τ²) = 1400/23, 1400/65, 112; × 1495/1400 → 65, 23, 119.6 (sum 207.6);
        // θ_RE = (0.7·65 + 0.8·23 + 0.9·119.6) / 207.6 = 171.54 / 207.6 = 0.8263006;
        // SE = √(1495 / (1400 · 207.6)) = 0.0717204; CI = 0.8263006 ± 1.959964 · 0.0717204 = [0.685731, 0.966870].
        // metafor 3.8 rma(method = "DL"): b 0.82630057803468215, se 0.071720433169313397, tau2 0.006428571428571438,
        // QE 3.2857142857142865, I2 39.130434782608717 (%), ci 0.68573111206721604–0.96687004400214827.
        var result = MetaAnalysis.DerSimonianLaird(ThreeSites());

        result.Sites.Should().Be(3);
        result.FixedEffectEstimate.Should().BeApproximately(6.0 / 7, 1e-14);
        result.FixedEffectStandardError.Should().BeApproximately(1 / Math.Sqrt(525), 1e-14);
        result.Q.Should().BeApproximately(23.0 / 7, 1e-12);
        result.DegreesOfFreedom.Should().Be(2);
        result.ISquared.Should().BeApproximately(9.0 / 23, 1e-12);
        result.TauSquared.Should().BeApproximately(9.0 / 1400, 1e-14);
        result.Estimate.Should().BeApproximately(171.54 / 207.6, 1e-14);
        result.StandardError.Should().BeApproximately(Math.Sqrt(1495 / (1400 * 207.6)), 1e-14);
        result.Ci95.Lower.Should().BeApproximately(0.68573111206721604, 1e-12);
        result.Ci95.Upper.Should().BeApproximately(0.96687004400214827, 1e-12);
    }

    [Test]
    public void DerSimonianLaird_OneSite_HasNoHeterogeneity()
    {
        var result = MetaAnalysis.DerSimonianLaird([new SiteEstimate("chu-valmont", 0.91, 0.0004)]);

        result.Q.Should().Be(0);
        result.DegreesOfFreedom.Should().Be(0);
        result.ISquared.Should().Be(0);
        result.TauSquared.Should().Be(0);
        result.Estimate.Should().Be(0.91);
        result.StandardError.Should().BeApproximately(0.02, 1e-15);
        result.Ci95.Should().Be(ConfidenceInterval.Normal95(0.91, result.StandardError));
    }

    [Test]
    public void DerSimonianLaird_AgreeingSites_HaveZeroTauSquaredAndEqualFixedAndRandom()
    {
        // Q = 100·0.01² + 100·0.01² = 0.02 < df = 1: I² and τ² are truncated at 0.
        var result = MetaAnalysis.DerSimonianLaird([new SiteEstimate("a", 0.80, 0.01), new SiteEstimate("b", 0.82, 0.01)]);

        result.Q.Should().BeApproximately(0.02, 1e-15);
        result.ISquared.Should().Be(0);
        result.TauSquared.Should().Be(0);
        result.Estimate.Should().Be(result.FixedEffectEstimate);
        result.StandardError.Should().Be(result.FixedEffectStandardError);
    }

    [Test]
    public void DerSimonianLaird_IdenticalEstimates_HaveQZeroAndISquaredZero()
    {
        var result = MetaAnalysis.DerSimonianLaird([new SiteEstimate("a", 0.8, 0.01), new SiteEstimate("b", 0.8, 0.02)]);

        result.Q.Should().Be(0);
        result.ISquared.Should().Be(0);
    }

    [Test]
    public void DerSimonianLaird_SiteOrder_DoesNotChangeTheResult()
    {
        var forward = MetaAnalysis.DerSimonianLaird(ThreeSites());
        var backward = MetaAnalysis.DerSimonianLaird([.. ThreeSites().Reverse()]);

        backward.Estimate.Should().BeApproximately(forward.Estimate, 1e-15);
        backward.TauSquared.Should().BeApproximately(forward.TauSquared, 1e-15);
    }

    [Test]
    public void DerSimonianLaird_ZeroVarianceSite_IsRefusedByName()
    {
        SiteEstimate[] sites = [new("chu-valmont", 1.0, 0), new("hopital-kerbrac", 0.9, 0.001), new("ch-saint-aubin", 0.8, double.NaN)];

        var act = () => MetaAnalysis.DerSimonianLaird(sites);

        act.Should().Throw<ArgumentException>().WithMessage("*'chu-valmont' has variance 0*'ch-saint-aubin' has variance NaN*");
    }

    [Test]
    public void DerSimonianLaird_NoSite_IsRefused() =>
        FluentActions.Invoking(() => MetaAnalysis.DerSimonianLaird([])).Should().Throw<ArgumentException>().WithMessage("*at least one site*");

    [Test]
    public void DerSimonianLaird_SiteTwice_IsRefused()
    {
        var act = () => MetaAnalysis.DerSimonianLaird([new SiteEstimate("a", 0.8, 0.01), new SiteEstimate("a", 0.7, 0.01)]);

        act.Should().Throw<ArgumentException>().WithMessage("*'a' appears more than once*");
    }

    [Test]
    public void DerSimonianLaird_AurocsFromSiteHistograms_RunsEndToEnd()
    {
        var random = new Random(1986);
        var sites = Enumerable.Range(0, 4).Select(i =>
        {
            var (positives, negatives) = RawScores.GridSample(random, 30 + 10 * i, 60);
            return SiteEstimate.ForAuroc($"site-{i}", RawScores.Histogram(positives, negatives))!;
        }).ToList();

        var result = MetaAnalysis.DerSimonianLaird(sites);

        result.Estimate.Should().BeInRange(sites.Min(s => s.Estimate), sites.Max(s => s.Estimate));
        result.StandardError.Should().BeGreaterThanOrEqualTo(result.FixedEffectStandardError);
    }

    private static SiteEstimate[] ThreeSites() =>
        [new("site-a", 0.70, 0.01), new("site-b", 0.80, 0.04), new("site-c", 0.90, 0.0025)];
}
