namespace Partages.Evaluation.Tests.Privacy;

public class NoisyClassificationTests
{
    private static readonly string[] Labels = ["a", "b", "c"];

    private static long[][] Matrix() => [[50, 3, 2], [4, 40, 6], [1, 5, 30]];

    [Test]
    public void Estimate_ExactCountsZeroVariance_PointEstimatesAreClassificationMetrics()
    {
        var counts = new ClassificationCounts(Labels);
        var matrix = Matrix();
        for (var g = 0; g < 3; g++)
        {
            for (var p = 0; p < 3; p++)
            {
                counts.Add(g, p, matrix[g][p]);
            }
        }

        var exact = ClassificationMetrics.Compute(counts);
        var noisy = NoisyClassification.Estimate(Labels, matrix, 0);

        foreach (var label in Labels)
        {
            noisy.PerClass[label].Precision.Estimate.Should().BeApproximately(exact.PerClass[label].Precision, 1e-12);
            noisy.PerClass[label].Recall.Estimate.Should().BeApproximately(exact.PerClass[label].Recall, 1e-12);
            noisy.PerClass[label].F1.Estimate.Should().BeApproximately(exact.PerClass[label].F1, 1e-12);
            noisy.PerClass[label].EstimatedSupport.Should().Be(exact.PerClass[label].Support);
        }

        noisy.Accuracy.Estimate.Should().BeApproximately(exact.Accuracy, 1e-12);
        noisy.Micro.F1.Estimate.Should().BeApproximately(exact.Micro.F1, 1e-12);
        noisy.Macro.Precision.Estimate.Should().BeApproximately(exact.Macro.Precision, 1e-12);
        noisy.Macro.F1.Estimate.Should().BeApproximately(exact.Macro.F1, 1e-12);
        noisy.Weighted.Recall.Estimate.Should().BeApproximately(exact.Weighted.Recall, 1e-12);
        noisy.Weighted.F1.Estimate.Should().BeApproximately(exact.Weighted.F1, 1e-12);
        noisy.Labels.Should().Equal(Labels);
    }

    [Test]
    public void Estimate_ColumnUnderTwoNoiseSd_PrecisionAndF1NotEstimableRecallStill()
    {
        // σ² = 25, C = 3: a column's noise sd is √75 = 8.66; column c sums to 2 + 6 + 9 = 17 < 17.32 → not estimable;
        // row c sums to 10 + 5 + 9 = 24 ≥ 17.32 → estimable.
        long[][] matrix = [[50, 3, 2], [4, 40, 6], [10, 5, 9]];

        var report = NoisyClassification.Estimate(Labels, matrix, 25);

        var c = report.PerClass["c"];
        c.Precision.Should().Be(NoisyInterval.NotEstimable, "a precision of 9/17 would be mostly noise: never print 0 or 1 or a number");
        c.F1.IsEstimable.Should().BeFalse();
        c.Recall.Estimate.Should().BeApproximately(9.0 / 24, 1e-12);
    }

    [Test]
    public void Estimate_RowAndColumnUnderTwoNoiseSd_AveragesOverClassesNotEstimable()
    {
        long[][] matrix = [[50, 3, 2], [4, 40, 6], [1, 5, 9]];

        var report = NoisyClassification.Estimate(Labels, matrix, 25);

        report.PerClass["c"].Recall.IsEstimable.Should().BeFalse("the row sums to 15 < 2·√75 = 17.32");
        report.Macro.Should().Be(new NoisyAveragedMetrics(NoisyInterval.NotEstimable, NoisyInterval.NotEstimable, NoisyInterval.NotEstimable));
        report.Weighted.Precision.IsEstimable.Should().BeFalse();
        report.Accuracy.IsEstimable.Should().BeTrue("the whole matrix sums to 120, far above 2·√(9·25) = 30");
        report.Micro.Precision.Estimate.Should().Be(report.Accuracy.Estimate);
        report.PerClass["a"].Precision.IsEstimable.Should().BeTrue();
    }

    [Test]
    public void Estimate_NegativeNoisyDenominator_NotEstimable()
    {
        long[][] matrix = [[50, 3, -4], [4, 40, 2], [1, 5, -6]];

        var report = NoisyClassification.Estimate(Labels, matrix, 4);

        report.PerClass["c"].Precision.Should().Be(NoisyInterval.NotEstimable);
        report.PerClass["c"].Recall.Should().Be(NoisyInterval.NotEstimable);
        report.PerClass["c"].EstimatedSupport.Should().Be(0);
    }

    [Test]
    public void Estimate_SameReleasedCounts_SameIntervalsBitForBit()
    {
        var first = NoisyClassification.Estimate(Labels, Matrix(), 16);
        var second = NoisyClassification.Estimate(Labels, Matrix(), 16);
        var changed = Matrix();
        changed[2][1]++;
        var third = NoisyClassification.Estimate(Labels, changed, 16);

        foreach (var label in Labels)
        {
            second.PerClass[label].Should().Be(first.PerClass[label]);
        }

        second.Accuracy.Should().Be(first.Accuracy);
        second.Macro.Should().Be(first.Macro);
        second.Weighted.Should().Be(first.Weighted);
        third.PerClass["a"].Recall.Should().NotBe(first.PerClass["a"].Recall, "another input seeds another simulation");
    }

    [Test]
    public void Estimate_EveryFigure_IntervalHoldsTheEstimateInsideTheUnitInterval()
    {
        var report = NoisyClassification.Estimate(Labels, [[30, 2, -3], [6, 12, 4], [-2, 9, 25]], 9);
        var figures = report.PerClass.Values.SelectMany(m => new[] { m.Precision, m.Recall, m.F1 })
            .Concat([report.Micro.F1, report.Macro.Precision, report.Macro.Recall, report.Macro.F1, report.Weighted.F1, report.Accuracy]);

        foreach (var figure in figures)
        {
            figure.IsEstimable.Should().BeTrue();
            figure.CiLow.Should().BeGreaterThanOrEqualTo(0).And.BeLessThanOrEqualTo(figure.Estimate!.Value);
            figure.CiHigh.Should().BeLessThanOrEqualTo(1).And.BeGreaterThanOrEqualTo(figure.Estimate!.Value);
        }
    }

    [Test]
    public void Estimate_MoreNoise_WiderIntervals()
    {
        double Width(double variance)
        {
            var accuracy = NoisyClassification.Estimate(Labels, Matrix(), variance).Accuracy;
            return accuracy.CiHigh!.Value - accuracy.CiLow!.Value;
        }

        var widths = new[] { 0.0, 4, 25, 100 }.Select(Width).ToArray();

        widths.Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        widths[0].Should().BePositive("with exact counts the interval is still the sampling error's");
    }

    [Test]
    public void Estimate_SparseMatrixWithManyEmptyCells_AccuracyIsNotDraggedDown()
    {
        // 8 classes, 100 reports each, all correct: 56 empty off-diagonal cells. Clipped one by one, each would add
        // 0.4σ = 4 phantom errors on average (224 against 800 correct: accuracy 0.78); summed first, their noise
        // cancels. Averaged over 40 releases (seeded), the estimate stays near the true 1.
        var labels = Enumerable.Range(0, 8).Select(i => $"l{i}").ToArray();
        var sigmaSquared = Rational.RoundUp(100);
        var bits = new SeededRandomBits(99);
        double sum = 0, clippedSum = 0;
        for (var release = 0; release < 40; release++)
        {
            var noisy = labels.Select((_, g) => labels.Select((_, p) => (g == p ? 100 : 0) + DiscreteGaussian.Sample(sigmaSquared, bits)).ToArray()).ToArray();
            sum += NoisyClassification.Estimate(labels, noisy, 100, simulations: 100).Accuracy.Estimate!.Value;
            var clipped = noisy.SelectMany(row => row).Select(y => Math.Max(0, y)).ToArray();
            clippedSum += (double)Enumerable.Range(0, 8).Sum(k => clipped[9 * k]) / clipped.Sum();
        }

        (sum / 40).Should().BeGreaterThan(0.95);
        (clippedSum / 40).Should().BeLessThan(0.85, "the per-cell clipping this avoids");
    }

    [Test]
    public void Estimate_MatrixNotSquare_Throws()
    {
        FluentActions.Invoking(() => NoisyClassification.Estimate(Labels, [[1, 2, 3], [4, 5]], 1)).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => NoisyClassification.Estimate(["a", "a"], [[1, 2], [3, 4]], 1)).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => NoisyClassification.Estimate(Labels, Matrix(), -1)).Should().Throw<ArgumentOutOfRangeException>();
    }
}
