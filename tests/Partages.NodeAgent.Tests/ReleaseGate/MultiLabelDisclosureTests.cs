using Partages.Evaluation.Bundles;
using Partages.Evaluation.Results;
using Partages.NodeAgent.Engine;
using Partages.NodeAgent.ReleaseGate;

namespace Partages.NodeAgent.Tests.ReleaseGate;

public sealed class MultiLabelDisclosureTests
{
    private static readonly string[] Labels = ["BLSE", "EPC"];
    private static readonly DisclosureRules K5 = new(MinCellCount: 5, MinDatasetDocuments: 20, Epsilon: null);

    [Test]
    public void Apply_LabelCountUnderK_ReleasedAsZeroAndItsComplementSuppressedSoNDocumentsRevealsNothing()
    {
        // EPC: tp 2, fn 1 (under k, 3 in all), fp 0, tn 97. n_documents − the other cells would give the 3 away, so the
        // smallest remaining count (tn) goes too.
        var result = Result(("BLSE", "", 30), ("BLSE", "BLSE", 40), ("", "", 25), ("EPC", "EPC", 2), ("EPC", "", 1), ("BLSE", "BLSE", 2));

        var released = DisclosureControl.Apply(result, K5, new NoNoise());

        released.NDocuments.Should().Be(100);
        released.PerClass["EPC"].Tp.Should().Be(0);
        released.PerClass["EPC"].Fn.Should().Be(0);
        released.PerClass["EPC"].Tn.Should().Be(0, "released, it would give away tp + fn = 100 − tn");
        released.PerClass["BLSE"].Should().BeEquivalentTo(new { Tp = 42, Fp = 0, Fn = 30, Tn = 28 });
        released.Release!.SuppressedCells.Should().Be(3);
        foreach (var (_, metrics) in released.PerClass)
        {
            var hidden = released.NDocuments - (metrics.Tp + metrics.Fp + metrics.Fn + metrics.Tn);
            (hidden == 0 || hidden >= 5).Should().BeTrue("no label's hidden total is between 1 and k − 1");
        }
    }

    [Test]
    public void Apply_Metrics_RecomputedFromTheReleasedCounts()
    {
        var result = Result(("BLSE", "", 30), ("BLSE", "BLSE", 40), ("", "BLSE", 3), ("", "", 27), ("EPC", "EPC", 10));

        var released = DisclosureControl.Apply(result, K5, new NoNoise());

        var expected = MultiLabelResults.Build(released.Task, 0.5, MultiLabelResults.Read(released, Labels), released.InputSummary);
        released.PerClass.Should().BeEquivalentTo(expected.PerClass);
        released.Micro.Should().Be(expected.Micro);
        released.Macro.Should().Be(expected.Macro);
        released.Accuracy.Should().Be(expected.Accuracy);
        released.PerClass["BLSE"].Fp.Should().Be(0);
        released.PerClass["BLSE"].Precision.Should().Be(1, "precision comes from the released fp of 0");
    }

    [Test]
    public void Apply_AllButAFewDocumentsExact_ExactMatchesSuppressedSinceNDocumentsMinusItWouldBeUnderK()
    {
        var result = Result(("BLSE", "BLSE", 50), ("", "", 47), ("EPC", "", 3), ("EPC", "EPC", 10));

        var released = DisclosureControl.Apply(result, K5, new NoNoise());

        released.MultiLabel!.ExactMatches.Should().Be(0);
        released.Accuracy.Should().Be(0);
    }

    [Test]
    public void Apply_CooccurrenceCellUnderK_SuppressedAndTheDiagonalIsTheReleasedTp()
    {
        var result = Result(("BLSE", "BLSE", 40), ("BLSE", "BLSE+EPC", 2), ("EPC", "EPC", 20), ("", "EPC", 5), ("", "", 40));

        var released = DisclosureControl.Apply(result, K5, new NoNoise());

        released.ConfusionMatrix.Matrix.Should().BeEquivalentTo(new long[][] { [42, 0], [0, 20] }, o => o.WithStrictOrdering());
        released.PerClass["BLSE"].Tp.Should().Be(42);
    }

    [Test]
    public void Apply_UnderDifferentialPrivacy_Refused()
    {
        var act = () => DisclosureControl.Apply(Result(("BLSE", "BLSE", 40)), K5 with { Epsilon = 1 }, new NoNoise());

        act.Should().Throw<EvaluationRefusedException>().WithMessage("*differential privacy*multi-label*");
    }

    [Test]
    public void Apply_CountsNotAddingUpToNDocuments_Refused()
    {
        var result = Result(("BLSE", "BLSE", 40));

        var act = () => DisclosureControl.Apply(result with { NDocuments = 45, InputSummary = new InputSummary { DocumentsEvaluated = 45, DocumentsRead = 45 } }, K5, new NoNoise());

        act.Should().Throw<EvaluationRefusedException>().WithMessage("*BLSE*n_documents*");
    }

    [Test]
    public void Apply_RandomSites_NoReleasedCountAndNoLabelsHiddenTotalBetweenOneAndKMinusOne()
    {
        var random = new Random(77);
        for (var trial = 0; trial < 300; trial++)
        {
            var k = random.Next(2, 9);
            var statistics = new MultiLabelStatistics(Labels);
            var rare = random.NextDouble() / 5;
            for (var d = 0; d < 20 + random.Next(80); d++)
            {
                statistics.Add([.. Labels.Select(_ => random.NextDouble() < rare)], [.. Labels.Select(_ => random.NextDouble() < rare)]);
            }

            var result = MultiLabelResults.Build(TaskTypes.MultiLabelClassification, 0.5, statistics, new InputSummary { DocumentsRead = statistics.DocumentCount, DocumentsEvaluated = statistics.DocumentCount });

            var released = DisclosureControl.Apply(result, K5 with { MinCellCount = k }, new NoNoise());

            foreach (var (label, m) in released.PerClass)
            {
                new[] { m.Tp, m.Fp, m.Fn, m.Tn }.Should().OnlyContain(c => c == 0 || c >= k, $"trial {trial}, {label}");
                var hidden = released.NDocuments - (m.Tp + m.Fp + m.Fn + m.Tn);
                (hidden == 0 || hidden >= k).Should().BeTrue($"trial {trial}, {label}: hidden total {hidden} with k {k}");
            }

            var exact = released.MultiLabel!.ExactMatches;
            (exact == 0 || (exact >= k && (released.NDocuments - exact == 0 || released.NDocuments - exact >= k))).Should().BeTrue($"trial {trial}");
            released.ConfusionMatrix.Matrix.SelectMany(r => r).Should().OnlyContain(c => c == 0 || c >= k);
        }
    }

    /// <summary>Documents as (gold labels, predicted labels, how many), labels joined by '+'.</summary>
    private static ResultDocument Result(params (string Gold, string Predicted, int Count)[] documents)
    {
        var statistics = new MultiLabelStatistics(Labels);
        foreach (var (gold, predicted, count) in documents)
        {
            var goldSet = gold.Split('+', StringSplitOptions.RemoveEmptyEntries);
            var predictedSet = predicted.Split('+', StringSplitOptions.RemoveEmptyEntries);
            for (var i = 0; i < count; i++)
            {
                statistics.Add([.. Labels.Select(goldSet.Contains)], [.. Labels.Select(predictedSet.Contains)]);
            }
        }

        return MultiLabelResults.Build(
            TaskTypes.MultiLabelClassification,
            0.5,
            statistics,
            new InputSummary { DocumentsRead = statistics.DocumentCount, DocumentsEvaluated = statistics.DocumentCount });
    }

    private sealed class NoNoise : ICountNoise
    {
        public long Sample(Partages.Evaluation.Privacy.Rational sigmaSquared) => 0;
    }
}
