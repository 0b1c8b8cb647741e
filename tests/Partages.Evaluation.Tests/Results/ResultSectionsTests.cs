using System.Text.Json.Nodes;

namespace Partages.Evaluation.Tests.Results;

/// <summary>The optional sections of a site result, pinned on small cases worked out by hand.</summary>
public sealed class ResultSectionsTests
{
    private const string Task = "single_label_classification";
    private static readonly string[] Labels = ["neg", "pos"];

    /// <summary>
    /// Seven documents, P(pos) on the grid: positives 0.9, 0.8, 0.4; negatives 0.7, 0.4, 0.2, 0.1 (one tie at 0.4).
    /// Argmax: the positives go pos, pos, neg; the negatives pos, neg, neg, neg → matrix [[3, 1], [1, 2]].
    /// </summary>
    private static ResultDocument HandWorked()
    {
        (int Gold, double Pos)[] documents = [(1, 0.9), (1, 0.8), (1, 0.4), (0, 0.7), (0, 0.4), (0, 0.2), (0, 0.1)];
        var counts = new ClassificationCounts(Labels);
        var histograms = new OneVsRestHistograms(Labels);
        var calibration = new CalibrationStatistics();
        foreach (var (gold, pos) in documents)
        {
            double[] probabilities = [1 - pos, pos];
            counts.Add(gold, pos > 1 - pos ? 1 : 0);
            histograms.Add(gold, probabilities);
            calibration.Add(gold, probabilities);
        }

        return ResultDocument.FromStatistics(Task, counts, histograms, calibration, new InputSummary { DocumentsRead = 7, DocumentsEvaluated = 7 });
    }

    [Test]
    public void FromStatistics_HandWorkedCaseWithATie_GivesAurocDeLongAndAveragePrecision()
    {
        var result = HandWorked();

        // 12 (positive, negative) pairs: 0.9 and 0.8 beat all 4, 0.4 beats 2 and ties 1 → 10.5 / 12.
        result.Auroc!["pos"].Value.Should().BeApproximately(0.875, 1e-15);
        // P(neg) = 1 − P(pos) mirrors every pair: the same 10.5 / 12.
        result.Auroc["neg"].Value.Should().BeApproximately(0.875, 1e-15);
        // DeLong: S10 = 3/64, S01 = 11/144, Var = S10/3 + S01/4 = 19/864; CI = 0.875 ± z·√(19/864), clipped at 1.
        var se = Math.Sqrt(19.0 / 864);
        result.Auroc["pos"].CiLow.Should().BeApproximately(0.875 - ConfidenceInterval.Z95 * se, 1e-12);
        result.Auroc["pos"].CiHigh.Should().Be(1);
        // AP: thresholds 0.9 (R 1/3, P 1), 0.8 (R 2/3, P 1), 0.7 (no new positive), 0.4 (R 1, P 3/5) → 13/15.
        result.Auprc!["pos"].Should().BeApproximately(13.0 / 15, 1e-15);
    }

    [Test]
    public void FromStatistics_HandWorkedCase_GivesCalibrationAndHistogramTotals()
    {
        var result = HandWorked();

        // Top-class confidences: 0.9 ✓ 0.8 ✓ 0.6 ✗ (positives), 0.7 ✗ 0.6 ✓ 0.8 ✓ 0.9 ✓ (negatives). Bins (b/10, (b+1)/10]:
        // bin 5: 2 docs, 1 correct, Σ 1.2; bin 6: 1, 0, 0.7; bin 7: 2, 2, 1.6; bin 8: 2, 2, 1.8.
        var calibration = result.Calibration!;
        calibration.Bins.Count.Should().Equal(0, 0, 0, 0, 0, 2, 1, 2, 2, 0);
        calibration.Bins.Correct.Should().Equal(0, 0, 0, 0, 0, 1, 0, 2, 2, 0);
        calibration.Bins.ConfidenceSteps.Should().Equal(0, 0, 0, 0, 0, 1200, 700, 1600, 1800, 0);
        // ECE = (|1 − 1.2| + |0 − 0.7| + |2 − 1.6| + |2 − 1.8|) / 7 = 1.5 / 7.
        calibration.Ece.Should().BeApproximately(1.5 / 7, 1e-15);
        // Brier: Σ 2(1 − p_gold)² = 0.02 + 0.08 + 0.72 + 0.98 + 0.32 + 0.08 + 0.02 = 2.22, over 7.
        calibration.Brier.Should().BeApproximately(2.22 / 7, 1e-12);
        calibration.SquaredErrorSteps.Should().Be(2_220_000);

        var histograms = result.ScoreHistograms!;
        // Exact releases are on the logit grid (issue 21), which names itself; grid_steps is its bin count.
        var grid = HistogramGrid.Logit;
        histograms.Grid.Should().Be("logit_v1");
        histograms.GridSteps.Should().Be(grid.Bins);
        histograms.PerClass.Keys.Should().Equal(Labels);
        histograms.PerClass["pos"].Positives.Should().HaveCount(grid.Bins);
        histograms.PerClass["pos"].Positives.Sum().Should().Be(3);
        histograms.PerClass["pos"].Negatives.Sum().Should().Be(4);
        histograms.PerClass["pos"].Negatives[grid.BinOf(0.4)].Should().Be(1);
        histograms.PerClass["pos"].Positives[grid.BinOf(0.4)].Should().Be(1);
        histograms.PerClass["neg"].Positives[grid.BinOf(0.6)].Should().Be(1, "the negative scored 0.4 for pos has 0.6 for neg");
    }

    [Test]
    public void FromStatistics_HandWorkedCase_GivesWilsonIntervals()
    {
        var result = HandWorked();

        var intervals = result.Intervals!;
        intervals.Method.Should().Be("wilson");
        intervals.Level.Should().Be(0.95);
        // 5 of 7 correct: (5 + z²/2 ± z·√(5·2/7 + z²/4)) / (7 + z²) = (0.3589…, 0.9178…).
        intervals.Accuracy!.CiLow.Should().BeApproximately(0.358934, 1e-5);
        intervals.Accuracy.CiHigh.Should().BeApproximately(0.917780, 1e-5);
        // pos: TP 2, FP 1, FN 1 → precision and recall are both 2 of 3.
        intervals.PerClass["pos"].Precision.Should().Be(Interval.From(Wilson.Interval(2, 3)));
        intervals.PerClass["pos"].Recall.Should().Be(Interval.From(Wilson.Interval(2, 3)));
        intervals.PerClass["neg"].Recall.Should().Be(Interval.From(Wilson.Interval(3, 4)));
    }

    [Test]
    public void FromStatistics_ClassWithNoPositive_HasNullAurocAndAuprc()
    {
        string[] labels = ["a", "b", "c"];
        var counts = new ClassificationCounts(labels);
        var histograms = new OneVsRestHistograms(labels);
        // No document of class c; c is never predicted either.
        (int Gold, double[] P)[] documents = [(0, [0.7, 0.2, 0.1]), (0, [0.6, 0.3, 0.1]), (1, [0.2, 0.7, 0.1]), (1, [0.5, 0.4, 0.1])];
        foreach (var (gold, p) in documents)
        {
            counts.Add(gold, Array.IndexOf(p, p.Max()));
            histograms.Add(gold, p);
        }

        var result = ResultDocument.FromStatistics(Task, counts, histograms, null, new InputSummary());

        result.Auroc!["c"].Should().Be(new AurocEntry(null, null, null));
        result.Auprc!["c"].Should().BeNull();
        result.Auroc["a"].Value.Should().Be(1.0, "both a-documents outscore both others on P(a)");
        result.Auroc["a"].CiLow.Should().Be(1.0, "DeLong's variance is 0 at perfect separation");
        // Never predicted and never gold: precision and recall have no denominator, so no interval either (not estimable).
        result.Intervals!.PerClass["c"].Precision.Should().BeNull();
        result.Intervals.PerClass["c"].Recall.Should().BeNull();
        result.Calibration.Should().BeNull("no calibration statistics were given");
    }

    [Test]
    public void FromStatistics_EveryScoreTied_AurocIsOneHalf()
    {
        var counts = new ClassificationCounts(Labels);
        var histograms = new OneVsRestHistograms(Labels);
        foreach (var gold in new[] { 0, 0, 1, 1, 1 })
        {
            counts.Add(gold, 0);
            histograms.Add(gold, [0.5, 0.5]);
        }

        var result = ResultDocument.FromStatistics(Task, counts, histograms, null, new InputSummary());

        result.Auroc!["pos"].Value.Should().Be(0.5);
        result.Auroc["neg"].Value.Should().Be(0.5);
        // One bin holding everything: every structural component equals A, so the variance is 0.
        result.Auroc["pos"].CiLow.Should().Be(0.5);
        // Every threshold takes all 5 documents: precision 3/5 at recall 1.
        result.Auprc!["pos"].Should().BeApproximately(0.6, 1e-15);
    }

    [Test]
    public void FromStatistics_EmptyDataset_EveryEstimateIsNull()
    {
        var result = ResultDocument.FromStatistics(
            Task, new ClassificationCounts(Labels), new OneVsRestHistograms(Labels), new CalibrationStatistics(), new InputSummary());

        result.NDocuments.Should().Be(0);
        result.Auroc!.Values.Should().AllBeEquivalentTo(new AurocEntry(null, null, null));
        result.Auprc!.Values.Should().AllSatisfy(v => v.Should().BeNull());
        result.Calibration!.Ece.Should().BeNull();
        result.Calibration.Brier.Should().BeNull();
        result.Intervals!.Accuracy.Should().BeNull("accuracy of no document is not estimable, and neither is its interval");
        result.ScoreHistograms!.PerClass["pos"].Positives.Should().OnlyContain(c => c == 0);
    }

    [Test]
    public void Serialize_WithSections_RoundTripsByteForByteAndWritesCountsOnOneLine()
    {
        var json = ResultJson.Serialize(HandWorked());

        var back = ResultJson.DeserializeSite(json);

        ResultJson.Serialize(back).Should().Be(json);
        json.Should().Contain("\"score_histograms\"").And.Contain("\"grid\": \"logit_v1\"").And.Contain($"\"grid_steps\": {HistogramGrid.Logit.Bins}").And.Contain("\"auroc\"").And.Contain("\"ci_low\"")
            .And.Contain("\"auprc\"").And.Contain("\"calibration\"").And.Contain("\"confidence_steps\": [0,0,0,0,0,1200,700,1600,1800,0]")
            .And.Contain("\"intervals\"");
        // Four vectors of 2030 counts (two classes, positives and negatives), mostly "0,": about 2 bytes a bin.
        json.Length.Should().BeLessThan((4 * 2 * HistogramGrid.Logit.Bins) + 4_000, "each count vector is written on one line");
        back.ToHistograms()!.Labels.Should().Equal(Labels);
        back.ToHistograms()![1].HasSameCounts(HandWorked().ToHistograms()![1]).Should().BeTrue();
        back.ToCalibration()!.BrierScore.Should().Be(HandWorked().Calibration!.Brier);
    }

    [Test]
    public void DeserializeSite_DocumentWithoutTheOptionalSections_ReadsThemAsNull()
    {
        var node = JsonNode.Parse(ResultJson.Serialize(HandWorked()))!.AsObject();
        foreach (var key in new[] { "intervals", "score_histograms", "auroc", "auprc", "calibration" })
        {
            node.Remove(key);
        }

        var back = ResultJson.DeserializeSite(node.ToJsonString());

        back.ScoreHistograms.Should().BeNull();
        back.Auroc.Should().BeNull();
        back.Calibration.Should().BeNull();
        back.Intervals.Should().BeNull();
        back.ToHistograms().Should().BeNull();
        back.ToCounts().DocumentCount.Should().Be(7);
    }

    [Test]
    public void ToHistograms_OtherGridOrShortVector_IsRefused()
    {
        var result = HandWorked();
        var otherGrid = result with { ScoreHistograms = result.ScoreHistograms! with { GridSteps = 100 } };
        var shortVector = result with
        {
            ScoreHistograms = result.ScoreHistograms! with
            {
                PerClass = new Dictionary<string, ClassScoreHistogram>
                {
                    ["neg"] = result.ScoreHistograms.PerClass["neg"],
                    ["pos"] = new ClassScoreHistogram([1, 2], [3, 4]),
                },
            },
        };
        var missingClass = result with
        {
            ScoreHistograms = result.ScoreHistograms! with
            {
                PerClass = new Dictionary<string, ClassScoreHistogram> { ["neg"] = result.ScoreHistograms.PerClass["neg"] },
            },
        };

        otherGrid.Invoking(d => d.ToHistograms()).Should().Throw<InvalidDataException>().WithMessage("*grid_steps 100; that grid has 2030*");
        shortVector.Invoking(d => d.ToHistograms()).Should().Throw<InvalidDataException>().WithMessage("*2030 counts*");
        missingClass.Invoking(d => d.ToHistograms()).Should().Throw<InvalidDataException>().WithMessage("*not the labels*");
    }
}
