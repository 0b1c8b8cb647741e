using Partages.Evaluation.Results;

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

    private static ResultDocument Noisy(IReadOnlyList<string> labels, long[][] matrix, double variance)
    {
        var privacy = new DifferentialPrivacyRelease(
            DifferentialPrivacyRelease.DiscreteGaussian, DifferentialPrivacyRelease.ReplaceOne, 0.02, 1, 1e-6, new NoiseVariances(variance, null, null));
        var summary = new InputSummary { DocumentsRead = 100, DocumentsEvaluated = matrix.Sum(row => row.Sum()) };
        return PrivateResults.Build(Task, labels, matrix, histograms: null, summary, new ReleaseSection { DifferentialPrivacy = privacy });
    }
}
