namespace Partages.Evaluation.Tests.Metrics;

public class ClassificationMetricsTests
{
    private static readonly string[] Labels = ["a", "b", "c"];

    [Test]
    public void Compute_HandWorkedMatrix_MatchesHandValues()
    {
        // gold a: 3 predicted a, 1 predicted b; gold b: 2 predicted b; gold c: 1 predicted a, 1 predicted c.
        var counts = Matrix([[3, 1, 0], [0, 2, 0], [1, 0, 1]]);

        var report = ClassificationMetrics.Compute(counts);

        // a: tp 3, fp 1, fn 1 → P 0.75, R 0.75; b: tp 2, fp 1, fn 0 → P 2/3, R 1; c: tp 1, fp 0, fn 1 → P 1, R 0.5.
        report.PerClass["a"].Should().Be(new ClassMetrics(0.75, 0.75, 0.75, 4, 3, 1, 1, 3));
        report.PerClass["b"].Precision.Should().BeApproximately(2.0 / 3, 1e-12);
        report.PerClass["b"].F1.Should().BeApproximately(0.8, 1e-12);
        report.PerClass["c"].F1.Should().BeApproximately(2.0 / 3, 1e-12);
        report.Accuracy.Should().BeApproximately(6.0 / 8, 1e-12);
        report.Micro.F1.Should().BeApproximately(0.75, 1e-12);
        report.Macro.Precision.Should().BeApproximately((0.75 + 2.0 / 3 + 1) / 3, 1e-12);
        report.Weighted.Recall.Should().BeApproximately((0.75 * 4 + 1 * 2 + 0.5 * 2) / 8, 1e-12);
    }

    [Test]
    public void Compute_ClassNeverPredicted_PrecisionNotEstimableRecallZero()
    {
        var counts = Matrix([[2, 0, 0], [0, 2, 0], [1, 1, 0]]);

        var report = ClassificationMetrics.Compute(counts);
        var c = report.PerClass["c"];

        c.Precision.Should().BeNull("no document was predicted c: precision has no denominator");
        c.Recall.Should().Be(0);
        c.F1.Should().BeNull();
        c.Support.Should().Be(2);
        report.Macro.Precision.Should().BeNull("an average of a figure that is not estimable is not estimable");
        report.Micro.Precision.Should().Be(4.0 / 6);
    }

    [Test]
    public void Compute_ClassWithNoPositives_RecallNotEstimableWeightedAverageStillDefined()
    {
        var counts = Matrix([[2, 0, 1], [0, 2, 0], [0, 0, 0]]);

        var report = ClassificationMetrics.Compute(counts);
        var c = report.PerClass["c"];

        c.Support.Should().Be(0);
        c.Recall.Should().BeNull("a class without gold documents has no recall, not a recall of 0");
        c.Precision.Should().Be(0);
        c.Fp.Should().Be(1);
        report.Weighted.Recall.Should().Be(4.0 / 5, "a class without support weighs nothing in the weighted average");
    }

    [Test]
    public void Compute_EmptyDataset_NothingEstimable()
    {
        var report = ClassificationMetrics.Compute(new ClassificationCounts(Labels));

        report.Accuracy.Should().BeNull();
        report.Weighted.F1.Should().BeNull();
        report.PerClass.Values.Should().OnlyContain(m => m.Support == 0 && m.F1 == null);
    }

    [Test]
    public void Pool_SitesListingLabelsInAnotherOrder_AddsByLabelName()
    {
        var siteA = Matrix([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
        var siteB = new ClassificationCounts(["c", "b", "a"]);
        siteB.Add(siteB.IndexOf("a"), siteB.IndexOf("c"));

        var pooled = ClassificationCounts.Pool(Labels, [siteA, siteB]);

        pooled[0, 2].Should().Be(1);
        pooled.DocumentCount.Should().Be(4);
    }

    [Test]
    public void Pool_SiteWithOtherLabels_IsRefused()
    {
        var act = () => ClassificationCounts.Pool(Labels, [new ClassificationCounts(["a", "b", "x"])]);

        act.Should().Throw<InvalidDataException>().WithMessage("*differ*");
    }

    [Test]
    public void FromMatrix_NegativeCount_IsRefused()
    {
        var act = () => ClassificationCounts.FromMatrix(["a", "b"], [[1, -1], [0, 0]]);

        act.Should().Throw<InvalidDataException>();
    }

    private static ClassificationCounts Matrix(long[][] rows) =>
        ClassificationCounts.FromMatrix(Labels, [.. rows.Select(r => (IReadOnlyList<long>)r)]);
}
