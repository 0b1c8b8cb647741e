using Partages.Evaluation.Tasks;
using static Partages.NodeAgent.Tests.ReleaseGate.TestDisclosureRules;

namespace Partages.NodeAgent.Tests.ReleaseGate;

public sealed class DisclosureControlTests
{
    private static readonly string[] s_labels = ["sensible", "BLSE", "carbapenemase"];

    [Test]
    public void Apply_PrivacyOff_ReleasesTheExactCountsWithSmallCellsKept()
    {
        var result = Result([[40, 3, 0], [6, 55, 1], [0, 0, 12]], skipped: new() { ["empty_text"] = 2, ["malformed_json"] = 9 });

        var released = DisclosureControl.Apply(result, Exact, new NoNoise());

        released.ConfusionMatrix.Matrix.Should().BeEquivalentTo(result.ConfusionMatrix.Matrix, o => o.WithStrictOrdering(), "no count is released as 0 because it was small");
        released.InputSummary.Should().BeEquivalentTo(result.InputSummary);
        released.Accuracy.Should().Be(result.Accuracy);
        released.Release!.IsExact.Should().BeTrue();
    }

    [Test]
    public void Apply_DatasetUnderTheMinimumSize_Refused()
    {
        var result = Result([[10, 0, 0], [0, 5, 0], [0, 0, 4]]);

        var act = () => DisclosureControl.Apply(result, Private, new NoNoise());

        act.Should().Throw<EvaluationRefusedException>().WithMessage("*min_dataset_documents: 20*");
    }

    [Test]
    public void Apply_Private_EveryOutcomeCountNoisedWithTheReplaceOneVariance()
    {
        var result = Result([[40, 3, 0], [6, 55, 1], [0, 0, 12]], skipped: new() { ["empty_text"] = 2 });
        var noise = new RecordingNoise(1);

        var released = DisclosureControl.Apply(result, Private, noise);

        // ρ of ε 1 at δ 1e-6, all of it on the outcome counts (no histograms): σ² = Δ₂² / (2ρ), Δ₂² = 2.
        var expected = 2 / (2 * Privacy.RhoPerRelease);
        noise.Variances.Should().OnlyContain(v => v >= expected && v < expected * (1 + 1e-6), "σ² is rounded up, never down");
        released.ConfusionMatrix.Matrix.Should().BeEquivalentTo(new long[][] { [41, 4, 1], [7, 56, 2], [1, 1, 13] }, o => o.WithStrictOrdering(), "every cell carries noise, small or zero");
        released.InputSummary.Skipped.Keys.Should().BeEquivalentTo(DisclosureControl.KnownSkipKinds.Append(PrivateRelease.OtherSkipKind), "every kind is released, so which kinds exist says nothing");
        released.InputSummary.Skipped["empty_text"].Should().Be(3);
        released.InputSummary.Skipped["malformed_json"].Should().Be(1);
        released.InputSummary.DocumentsRead.Should().Be(result.InputSummary.DocumentsRead, "the lines read are public under replace-one");
        released.NDocuments.Should().Be(126);
        var privacy = released.Release!.DifferentialPrivacy!;
        privacy.Mechanism.Should().Be("discrete_gaussian");
        privacy.Neighbouring.Should().Be("replace_one");
        privacy.Epsilon.Should().BeApproximately(1, 1e-6);
        privacy.NoiseVariance.OutcomeCounts.Should().BeApproximately(expected, expected * 1e-6);
    }

    [Test]
    public void Apply_Private_FiguresFromTheNoisyCountsWithIntervalsThatIncludeTheNoise()
    {
        var result = Result([[400, 30, 0], [60, 550, 10], [0, 0, 120]]);

        var released = DisclosureControl.Apply(result, Private, new RecordingNoise(0));

        released.Intervals!.Method.Should().Be(IntervalsSection.DpSimulationMethod);
        released.Accuracy.Should().BeApproximately(1070.0 / 1170, 1e-9);
        var ci = released.Intervals.Accuracy!;
        ci.CiLow.Should().BeLessThan(released.Accuracy!.Value);
        ci.CiHigh.Should().BeGreaterThan(released.Accuracy.Value);
        var wilson = Wilson.Interval(1070, 1170);
        (ci.CiHigh - ci.CiLow).Should().BeGreaterThan(wilson.Upper - wilson.Lower, "the noise widens the interval beyond sampling error");
        released.Intervals.MacroF1.Should().NotBeNull();
    }

    [Test]
    public void Apply_PrivateClassNeverPredicted_PrecisionNotEstimableNeverZero()
    {
        var result = Result([[400, 30, 0], [60, 550, 0], [5, 5, 0]]);

        var released = DisclosureControl.Apply(result, Private, new RecordingNoise(0));

        released.PerClass["carbapenemase"].Precision.Should().BeNull("the column's noisy sum is not clearly above its noise");
        released.Intervals!.PerClass["carbapenemase"].Precision.Should().BeNull();
        released.Macro.Precision.Should().BeNull();
    }

    [Test]
    public void Apply_PrivateWithHistograms_CoarseGridNoisedAurocWithInterval()
    {
        // 2,000 documents: enough positives per class for AUROC to be estimable through the histograms' noise.
        var (result, _) = WithHistograms(seed: 7, documents: 2000);
        var noise = new RecordingNoise(0);

        var released = DisclosureControl.Apply(result, Private, noise);

        released.ScoreHistograms!.Grid.Should().Be(ScoreHistogramsSection.DpGrid);
        released.ScoreHistograms.PerClass.Values.Should().OnlyContain(h => h.Positives.Length == DpScoreGrid.Count && h.Negatives.Length == DpScoreGrid.Count);
        var privacy = released.Release!.DifferentialPrivacy!;
        var rho = Privacy.RhoPerRelease;
        // Shares 0.35 : 0.5 : 0.15 of ρ; histograms have Δ₂² = 2C with C = 3 classes, calibration 7.
        privacy.NoiseVariance.OutcomeCounts.Should().BeApproximately(2 / (2 * rho * 0.35), 1e-3);
        privacy.NoiseVariance.ScoreHistograms!.Value.Should().BeApproximately(6 / (2 * rho * 0.5), 1e-3);
        privacy.NoiseVariance.Calibration!.Value.Should().BeApproximately(7 / (2 * rho * 0.15), 1e-3);
        released.Auroc!.Values.Should().OnlyContain(a => a.Value != null && a.CiLow <= a.Value && a.Value <= a.CiHigh);
        released.Release.WithheldSections.Should().BeEmpty();
    }

    [Test]
    public void Apply_PrivateWithCalibration_EverySumNoisedOnItsScaleFiguresWithIntervals()
    {
        var (result, _) = WithHistograms(seed: 7, documents: 2000);
        var noise = new RecordingNoise(3);

        var released = DisclosureControl.Apply(result, Private, noise);

        var exact = result.Calibration!;
        var calibration = released.Calibration!;
        calibration.Bins.Count.Should().Equal(exact.Bins.Count.Select(n => n + 3));
        calibration.Bins.Correct.Should().Equal(exact.Bins.Correct.Select(n => n + 3));
        calibration.Bins.ConfidenceSteps.Should().Equal(exact.Bins.ConfidenceSteps.Select(n => n + 3));
        calibration.SquaredErrorSteps.Should().Be(exact.SquaredErrorSteps + 3);
        var variance = released.Release!.DifferentialPrivacy!.NoiseVariance.Calibration!.Value;
        // Confidence sums are noised at 1000² times a count's variance, squared errors at (2·1000²)² times.
        noise.Variances.Should().Contain(v => Math.Abs(v / variance - 1e6) < 1e-3).And.Contain(v => Math.Abs(v / variance - 4e12) < 1);
        calibration.Ece.Should().NotBeNull();
        released.Intervals!.Ece!.CiLow.Should().BeLessThanOrEqualTo(calibration.Ece!.Value);
        released.Intervals.Brier!.CiHigh.Should().BeGreaterThanOrEqualTo(calibration.Brier!.Value);
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

    private sealed class NoNoise : ICountNoise
    {
        public long Sample(Partages.Evaluation.Privacy.Rational sigmaSquared) => throw new AssertionException("no noise without differential privacy");
    }
}
