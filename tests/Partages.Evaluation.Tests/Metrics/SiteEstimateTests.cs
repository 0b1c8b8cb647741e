namespace Partages.Evaluation.Tests.Metrics;

public class SiteEstimateTests
{
    [Test]
    public void ForF1_HandWorkedCounts_GivesDeltaMethodVariance()
    {
        // TP 40, FP 10, FN 10: F1 = 80 / 100 = 0.8; Var = 4·40·20·60 / 100⁴ = 192000 / 10⁸ = 0.00192.
        // Check by the conditional view: s = TP + FP + FN = 60, dF1/dTP = 2s / (TP + s)² = 0.012,
        // Var(TP) = TP(FP + FN)/s = 13.33…, so Var = 0.012² · 13.33… = 0.00192.
        var estimate = SiteEstimate.ForF1("chu-valmont", 40, 10, 10)!;

        estimate.Site.Should().Be("chu-valmont");
        estimate.Estimate.Should().BeApproximately(0.8, 1e-15);
        estimate.Variance.Should().BeApproximately(0.00192, 1e-17);
    }

    [Test]
    public void ForF1_Simulation_AgreesWithTheDeltaMethod()
    {
        // 2,000 seeded multinomial samples of 2,000 documents (TP, FP, FN, TN shares 0.2, 0.05, 0.1, 0.65):
        // the empirical variance of F1 is within 10% of the delta-method variance at the true shares.
        var random = new Random(2002);
        var f1s = new double[2000];
        for (var r = 0; r < f1s.Length; r++)
        {
            long tp = 0, fp = 0, fn = 0;
            for (var i = 0; i < 2000; i++)
            {
                var u = random.NextDouble();
                if (u < 0.2)
                {
                    tp++;
                }
                else if (u < 0.25)
                {
                    fp++;
                }
                else if (u < 0.35)
                {
                    fn++;
                }
            }

            f1s[r] = 2.0 * tp / (2 * tp + fp + fn);
        }

        var mean = f1s.Average();
        var empirical = f1s.Sum(f => (f - mean) * (f - mean)) / (f1s.Length - 1);
        var delta = SiteEstimate.ForF1("s", 400, 100, 200)!.Variance;

        (empirical / delta).Should().BeInRange(0.9, 1.1);
    }

    [Test]
    public void ForF1_FromClassMetrics_UsesItsCounts()
    {
        var metrics = new ClassMetrics(0.8, 0.8, 0.8, 50, 40, 10, 10, 140);

        SiteEstimate.ForF1("s", metrics).Should().Be(SiteEstimate.ForF1("s", 40, 10, 10));
    }

    [Test]
    public void ForF1_NoPositiveAndNoPrediction_IsUndefined() =>
        SiteEstimate.ForF1("s", 0, 0, 0).Should().BeNull();

    [Test]
    public void ForF1_PerfectOrNullF1_HasZeroVariance()
    {
        SiteEstimate.ForF1("s", 10, 0, 0)!.Variance.Should().Be(0);
        SiteEstimate.ForF1("s", 0, 3, 4)!.Variance.Should().Be(0);
    }

    [Test]
    public void ForAuroc_Histogram_UsesDeLong()
    {
        var histogram = RawScores.Histogram([0.8, 0.6, 0.6, 0.4], [0.6, 0.3, 0.2]);

        var estimate = SiteEstimate.ForAuroc("s", histogram)!;

        estimate.Estimate.Should().BeApproximately(5.0 / 6, 1e-15);
        estimate.Variance.Should().BeApproximately(7.0 / 216, 1e-15);
        SiteEstimate.ForAuroc("s", RawScores.Histogram([0.8], [0.6, 0.3])).Should().BeNull();
    }
}
