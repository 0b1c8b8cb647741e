namespace Partages.Evaluation.Tests.Results;

/// <summary>
/// Pooling of releases under differential privacy: noisy cells are signed (an empty cell plus its noise is below 0
/// about half the time), and the pool adds them as they are (found by the privacy benchmark: the pool threw on the
/// first negative cell).
/// </summary>
public sealed class PrivatePoolingTests
{
    private const string Task = "single_label_classification";
    private static readonly string[] Labels = ["neg", "pos"];

    [Test]
    public void Pool_NoisySitesWithNegativeCells_AddsTheSignedCellsAndTheirVariances()
    {
        var first = Noisy(Labels, [[50, -3], [2, 40]], variance: 9);
        var second = Noisy(["pos", "neg"], [[30, -1], [4, 60]], variance: 16);

        var pooled = PooledResultDocument.Pool(Task, Labels, new Dictionary<string, ResultDocument> { ["a"] = first, ["b"] = second }, []).Pooled!;

        pooled.ConfusionMatrix.Matrix.Should().BeEquivalentTo(new long[][] { [110, 1], [1, 70] }, o => o.WithStrictOrdering());
        pooled.Release!.DifferentialPrivacy!.NoiseVariance.OutcomeCounts.Should().Be(25);
        pooled.Accuracy.Should().BeApproximately(180.0 / 182, 1e-12);
    }

    [Test]
    public void Pool_ExactSiteWithANegativeCell_StillRefused()
    {
        var exact = Noisy(Labels, [[5, 1], [1, 5]], variance: 4) with { Release = null, ConfusionMatrix = new ConfusionMatrixDto(Labels, [[5, -1], [1, 5]]) };
        var noisy = Noisy(Labels, [[5, 1], [1, 5]], variance: 4);

        var act = () => PooledResultDocument.Pool(Task, Labels, new Dictionary<string, ResultDocument> { ["a"] = exact, ["b"] = noisy }, []);

        act.Should().Throw<InvalidDataException>().WithMessage("*negative count*");
    }

    [Test]
    public void Pool_NoisySitesWithCalibration_AddsTheSumsAndVariancesFiguresFromThePool()
    {
        var first = Noisy(Labels, [[50, 3], [2, 40]], variance: 9, Calibration(count: 95, correct: 90, confidenceSteps: 88_000, squaredErrorSteps: 9_000_000), calibrationVariance: 4);
        var second = Noisy(Labels, [[30, 1], [4, 60]], variance: 16, Calibration(count: 95, correct: 88, confidenceSteps: 93_000, squaredErrorSteps: 11_000_000), calibrationVariance: 5);

        var pool = PooledResultDocument.Pool(Task, Labels, new Dictionary<string, ResultDocument> { ["a"] = first, ["b"] = second }, []);
        var pooled = pool.Pooled!;

        pool.OmittedSections!.Select(o => o.Section).Should().Equal("score_histograms");
        pooled.Calibration!.Bins.Count[9].Should().Be(190);
        pooled.Calibration.Bins.Correct[9].Should().Be(178);
        pooled.Calibration.Bins.ConfidenceSteps[9].Should().Be(181_000);
        pooled.Calibration.SquaredErrorSteps.Should().Be(20_000_000);
        pooled.Release!.DifferentialPrivacy!.NoiseVariance.Calibration.Should().Be(9);
        pooled.Calibration.Ece.Should().NotBeNull();
        pooled.Intervals!.Ece.Should().NotBeNull();
    }

    [Test]
    public void Pool_OneNoisySiteWithoutCalibration_CalibrationOmittedWithReason()
    {
        var first = Noisy(Labels, [[50, 3], [2, 40]], variance: 9, Calibration(95, 90, 88_000, 9_000_000), calibrationVariance: 4);
        var second = Noisy(Labels, [[30, 1], [4, 60]], variance: 16);

        var pool = PooledResultDocument.Pool(Task, Labels, new Dictionary<string, ResultDocument> { ["a"] = first, ["b"] = second }, []);

        pool.Pooled!.Calibration.Should().BeNull();
        pool.Pooled.Release!.DifferentialPrivacy!.NoiseVariance.Calibration.Should().BeNull();
        pool.OmittedSections.Should().Contain(o => o.Section == "calibration");
    }

    /// <summary>Every document in the top bin (0.9, 1].</summary>
    private static CalibrationSection Calibration(long count, long correct, long confidenceSteps, long squaredErrorSteps)
    {
        var counts = new long[10];
        var corrects = new long[10];
        var confidences = new long[10];
        (counts[9], corrects[9], confidences[9]) = (count, correct, confidenceSteps);
        return new CalibrationSection(new CalibrationBins(counts, corrects, confidences), squaredErrorSteps, null, null);
    }

    private static ResultDocument Noisy(IReadOnlyList<string> labels, long[][] matrix, double variance, CalibrationSection? calibration = null, double? calibrationVariance = null)
    {
        var privacy = new DifferentialPrivacyRelease(
            DifferentialPrivacyRelease.DiscreteGaussian, DifferentialPrivacyRelease.ReplaceOne, 0.02, 1, 1e-6, new NoiseVariances(variance, null, calibrationVariance));
        var summary = new InputSummary { DocumentsRead = 100, DocumentsEvaluated = matrix.Sum(row => row.Sum()) };
        return PrivateResults.Build(Task, labels, matrix, histograms: null, summary, new ReleaseSection { DifferentialPrivacy = privacy }, calibration);
    }
}
