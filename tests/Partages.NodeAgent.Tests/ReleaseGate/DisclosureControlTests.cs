using Partages.Evaluation.Metrics;
using Partages.Evaluation.Results;
using Partages.NodeAgent.Engine;
using Partages.NodeAgent.ReleaseGate;

namespace Partages.NodeAgent.Tests.ReleaseGate;

public sealed class DisclosureControlTests
{
    private static readonly string[] s_labels = ["sensible", "BLSE", "carbapenemase"];
    private static readonly DisclosureRules s_k5 = new(MinCellCount: 5, MinDatasetDocuments: 20, Epsilon: null);

    [Test]
    public void Apply_CellOfThreeWithKFive_ReleasedAsZeroAndEveryMetricFromTheReleasedMatrix()
    {
        var result = Result([[40, 3, 0], [6, 55, 1], [0, 0, 12]], skipped: new() { ["empty_text"] = 2, ["malformed_json"] = 9 });

        var released = DisclosureControl.Apply(result, s_k5, new NoNoise());

        released.ConfusionMatrix.Matrix.Should().BeEquivalentTo(new long[][] { [40, 0, 0], [6, 55, 0], [0, 0, 12] }, o => o.WithStrictOrdering());
        released.Release!.SuppressedCells.Should().Be(3, "two matrix cells and one skipped kind were under k");
        var fromReleased = ResultDocument.FromCounts(result.Task, released.ToCounts(), released.InputSummary);
        released.PerClass.Should().BeEquivalentTo(fromReleased.PerClass);
        released.Micro.Should().Be(fromReleased.Micro);
        released.Macro.Should().Be(fromReleased.Macro);
        released.Accuracy.Should().Be(fromReleased.Accuracy);
        released.NDocuments.Should().Be(113);
        released.InputSummary.DocumentsEvaluated.Should().Be(113);
        released.InputSummary.Skipped.Should().Equal(new Dictionary<string, long> { ["malformed_json"] = 9 });
        released.InputSummary.DocumentsRead.Should().Be(122);
        AllCounts(released).Should().OnlyContain(c => c == 0 || c >= 5);
    }

    [Test]
    public void Apply_KOfOne_ReleasesTheExactMatrix()
    {
        var result = Result([[40, 3, 0], [6, 55, 1], [0, 0, 12]]);

        var released = DisclosureControl.Apply(result, s_k5 with { MinCellCount = 1 }, new NoNoise());

        released.ConfusionMatrix.Matrix.Should().BeEquivalentTo(result.ConfusionMatrix.Matrix, o => o.WithStrictOrdering());
        released.Release!.SuppressedCells.Should().Be(0);
    }

    [Test]
    public void Apply_DatasetUnderTheMinimumSize_Refused()
    {
        var result = Result([[10, 0, 0], [0, 5, 0], [0, 0, 4]]);

        var act = () => DisclosureControl.Apply(result, s_k5, new NoNoise());

        act.Should().Throw<EvaluationRefusedException>().WithMessage("*min_dataset_documents: 20*");
    }

    [Test]
    public void Apply_HistogramBinsUnderK_MergedWithNeighboursNotDropped()
    {
        var (result, _) = WithHistograms(seed: 7, documents: 400);

        var released = DisclosureControl.Apply(result, s_k5, new NoNoise());

        released.ScoreHistograms.Should().NotBeNull();
        released.Release!.MergedHistogramBins.Should().BeGreaterThan(0);
        var before = result.ToHistograms()!;
        var after = released.ToHistograms()!;
        for (var c = 0; c < s_labels.Length; c++)
        {
            after[c].PositiveCount.Should().Be(before[c].PositiveCount, "no document is dropped");
            after[c].NegativeCount.Should().Be(before[c].NegativeCount);
            after[c].Positives.Should().OnlyContain(n => n == 0 || n >= 5);
            after[c].Negatives.Should().OnlyContain(n => n == 0 || n >= 5);
        }

        // Coarsening only ties pairs inside a group: AUROC moves a little, it is not biased away from the truth.
        foreach (var label in s_labels)
        {
            released.Auroc![label].Value!.Value.Should().BeApproximately(result.Auroc![label].Value!.Value, 0.02);
        }
    }

    [Test]
    public void Apply_HistogramsWhoseTotalsWouldRevealASuppressedCell_Withheld()
    {
        var (result, _) = WithHistograms(seed: 3, documents: 200, extraErrors: 2);

        var released = DisclosureControl.Apply(result, s_k5, new NoNoise());

        released.Release!.SuppressedCells.Should().BeGreaterThan(0);
        released.ScoreHistograms.Should().BeNull();
        released.Auroc.Should().BeNull();
        released.Release.WithheldSections.Should().Contain(w => w.Section == "score_histograms" && w.Reason.Contains("suppressed"));
    }

    [Test]
    public void Apply_CalibrationWithABinUnderK_Withheld()
    {
        var (result, _) = WithHistograms(seed: 11, documents: 300, lowConfidence: 2);
        result.ToCalibration()!.Reliability().Should().Contain(b => b.Count > 0 && b.Count < 5, "the test needs a small reliability bin");
        result.ConfusionMatrix.Matrix.SelectMany(r => r).Should().OnlyContain(c => c == 0 || c >= 5, "only calibration is at stake here");

        var released = DisclosureControl.Apply(result, s_k5, new NoNoise());

        released.Calibration.Should().BeNull();
        released.Release!.WithheldSections.Should().Contain(w => w.Section == "calibration");
    }

    [Test]
    public void Apply_DifferentialPrivacy_NoiseOnEveryCountThenKAndRankingSectionsWithheld()
    {
        var (result, _) = WithHistograms(seed: 5, documents: 300);
        var noise = new SequenceNoise([3, -2, 0, 1, -50, 4, 2, 0, -1, 6]);

        var released = DisclosureControl.Apply(result, s_k5 with { Epsilon = 0.5 }, noise);

        var exact = result.ConfusionMatrix.Matrix.SelectMany(r => r).ToArray();
        var expected = exact.Select((count, i) => Math.Max(0, count + noise.Values[i])).Select(c => c is > 0 and < 5 ? 0 : c).ToArray();
        released.ConfusionMatrix.Matrix.SelectMany(r => r).Should().Equal(expected);
        noise.Calls.Should().Be(exact.Length + result.InputSummary.Skipped.Count);
        released.Release!.DifferentialPrivacy.Should().Be(new DifferentialPrivacyRelease("discrete_laplace", 0.5, 1));
        released.ScoreHistograms.Should().BeNull();
        released.Calibration.Should().BeNull();
        released.Release.WithheldSections.Select(w => w.Section).Should().BeEquivalentTo(["score_histograms", "calibration"]);
        released.NDocuments.Should().Be(expected.Sum());
    }

    private static ResultDocument Result(long[][] matrix, Dictionary<string, long>? skipped = null)
    {
        var counts = ClassificationCounts.FromMatrix(s_labels, [.. matrix.Select(r => (IReadOnlyList<long>)r)]);
        skipped ??= [];
        return ResultDocument.FromCounts("single_label_classification", counts, new InputSummary
        {
            DocumentsEvaluated = counts.DocumentCount,
            DocumentsRead = counts.DocumentCount + skipped.Values.Sum(),
            Skipped = skipped,
        });
    }

    /// <summary>
    /// A result with score histograms and calibration from simulated documents: a fairly good classifier whose scores
    /// spread over the grid, so some bins are small. <paramref name="extraErrors"/> documents of class 0 predicted as
    /// class 2 make a matrix cell under k; <paramref name="lowConfidence"/> correct documents of class 0 predicted with
    /// confidence 0.35 make a reliability bin under k.
    /// </summary>
    private static (ResultDocument Result, ClassificationCounts Counts) WithHistograms(int seed, int documents, int extraErrors = 0, int lowConfidence = 0)
    {
        var random = new Random(seed);
        var counts = new ClassificationCounts(s_labels);
        var histograms = new OneVsRestHistograms(s_labels);
        var calibration = new CalibrationStatistics();
        void Add(int gold, double[] p)
        {
            var predicted = Array.IndexOf(p, p.Max());
            counts.Add(gold, predicted);
            histograms.Add(gold, p);
            calibration.Add(gold, p);
        }

        for (var i = 0; i < documents; i++)
        {
            var gold = random.Next(s_labels.Length);
            var logits = new double[s_labels.Length];
            for (var c = 0; c < logits.Length; c++)
            {
                logits[c] = random.NextDouble() * 2 + (c == gold ? 2.5 : 0);
            }

            var sum = logits.Sum(Math.Exp);
            Add(gold, [.. logits.Select(l => Math.Exp(l) / sum)]);
        }

        for (var i = 0; i < extraErrors; i++)
        {
            Add(0, [0.1, 0.1, 0.8]);
        }

        for (var i = 0; i < lowConfidence; i++)
        {
            Add(0, [0.35, 0.33, 0.32]);
        }

        var result = ResultDocument.FromStatistics(
            "single_label_classification",
            counts,
            histograms,
            calibration,
            new InputSummary { DocumentsEvaluated = counts.DocumentCount, DocumentsRead = counts.DocumentCount });
        return (result, counts);
    }

    private static IEnumerable<long> AllCounts(ResultDocument document) =>
        document.ConfusionMatrix.Matrix.SelectMany(r => r).Concat(document.InputSummary.Skipped.Values);

    private sealed class NoNoise : ICountNoise
    {
        public long Sample(Partages.Evaluation.Privacy.Rational sigmaSquared) => throw new AssertionException("no noise without differential privacy");
    }

    private sealed class SequenceNoise(long[] values) : ICountNoise
    {
        public long[] Values { get; } = values;

        public int Calls { get; private set; }

        public long Sample(Partages.Evaluation.Privacy.Rational sigmaSquared) => Values[Calls++ % Values.Length];
    }
}
