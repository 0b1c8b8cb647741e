namespace Partages.Evaluation.Tests.Privacy;

/// <summary>Figures from noisy per-class counts (multi-label, seqeval) and from noisy nervaluate outcomes.</summary>
public sealed class NoisyRatesTests
{
    private static readonly string[] Classes = ["BLSE", "EPC"];

    [Test]
    public void Estimate_ExactCounts_PointEstimatesAreThePlainRatios()
    {
        var report = NoisyRates.Estimate(Classes, tp: [40, 10], fp: [10, 0], fn: [20, 10], cellVariance: 0);

        report.PerClass["BLSE"].Precision.Estimate.Should().BeApproximately(0.8, 1e-12);
        report.PerClass["BLSE"].Recall.Estimate.Should().BeApproximately(40.0 / 60, 1e-12);
        report.PerClass["BLSE"].F1.Estimate.Should().BeApproximately(80.0 / 110, 1e-12);
        report.Micro.Precision.Estimate.Should().BeApproximately(50.0 / 60, 1e-12);
        report.Micro.Recall.Estimate.Should().BeApproximately(50.0 / 80, 1e-12);
        report.Macro.Recall.Estimate.Should().BeApproximately((40.0 / 60 + 0.5) / 2, 1e-12);
        report.Weighted.Recall.Estimate.Should().BeApproximately(50.0 / 80, 1e-12, "recall weighted by support is micro recall");
        report.PerClass["BLSE"].Precision.CiLow.Should().BeLessThan(0.8, "the interval still holds the sampling error");
    }

    [Test]
    public void Estimate_DenominatorWithinTheNoise_NotEstimableRatherThanZeroOrOne()
    {
        // EPC predicted 3 times under noise of σ 10 (2 cells: sd 14): its precision is not estimable; its recall is.
        var report = NoisyRates.Estimate(Classes, tp: [400, 3], fp: [100, 0], fn: [200, 300], cellVariance: 100);

        report.PerClass["EPC"].Precision.Should().Be(NoisyInterval.NotEstimable);
        report.PerClass["EPC"].F1.IsEstimable.Should().BeFalse();
        report.PerClass["EPC"].Recall.IsEstimable.Should().BeTrue();
        report.Macro.Precision.IsEstimable.Should().BeFalse("a mean needs every class's figure");
        report.Micro.Precision.IsEstimable.Should().BeTrue();
    }

    [Test]
    public void Estimate_SameCountsTwice_TheSameIntervalsByteForByte()
    {
        var first = NoisyRates.Estimate(Classes, [40, -2], [7, 3], [12, 30], 25);
        var second = NoisyRates.Estimate(Classes, [40, -2], [7, 3], [12, 30], 25);

        second.PerClass["BLSE"].Should().Be(first.PerClass["BLSE"]);
        second.Micro.Should().Be(first.Micro);
    }

    [Test]
    public void Proportion_NoisyWhole_EstimateAndNotEstimable()
    {
        NoisyProportion.Estimate(30, 70, 0).Estimate.Should().BeApproximately(0.3, 1e-12);
        NoisyProportion.Estimate(3, 2, 100).Should().Be(NoisyInterval.NotEstimable);
    }

    [Test]
    public void NerSchemes_ExactOutcomes_EveryFigureAsNervaluateDerivesIt()
    {
        string[] types = ["BIOMARKER", "STATUS"];
        var outcomes = new NerOutcomes([[40, 2], [1, 30]], OverlapSameType: [6, 0], OverlapOtherType: [1, 2], Missed: [5, 3], Spurious: [7, 4]);
        var counts = new NerSchemeCounts(types);
        foreach (var scheme in NerSchemes.All)
        {
            for (var t = 0; t < types.Length; t++)
            {
                counts.Set(scheme, t, outcomes.Scheme(scheme, t));
            }
        }

        var figures = NoisyNerSchemes.Estimate(types, outcomes, cellVariance: 0);

        foreach (var scheme in NerSchemes.All)
        {
            for (var t = 0; t <= types.Length; t++)
            {
                var expected = NerSchemeMetrics.From(scheme, t < types.Length ? counts.Get(scheme, t) : counts.Overall(scheme));
                figures[scheme][t].Precision.Estimate.Should().BeApproximately(expected.Precision!.Value, 1e-12, $"{scheme} {t}");
                figures[scheme][t].Recall.Estimate.Should().BeApproximately(expected.Recall!.Value, 1e-12, $"{scheme} {t}");
                figures[scheme][t].F1.Estimate.Should().BeApproximately(expected.F1!.Value, 1e-12, $"{scheme} {t}");
            }
        }
    }

    [Test]
    public void NerSchemes_TypeWithinTheNoise_NotEstimable()
    {
        var outcomes = new NerOutcomes([[400, 0], [0, 2]], OverlapSameType: [10, 0], OverlapOtherType: [0, 0], Missed: [20, 1], Spurious: [30, 0]);

        var figures = NoisyNerSchemes.Estimate(["BIOMARKER", "STATUS"], outcomes, cellVariance: 400);

        figures[NerSchemes.Strict][1].Should().Be(new NoisySchemeFigures(NoisyInterval.NotEstimable, NoisyInterval.NotEstimable, NoisyInterval.NotEstimable));
        figures[NerSchemes.Strict][0].Precision.IsEstimable.Should().BeTrue();
        figures[NerSchemes.Strict][2].Recall.IsEstimable.Should().BeTrue("overall sums every type's outcomes");
    }
}
