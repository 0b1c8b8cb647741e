namespace Partages.Evaluation.Tests.Metrics;

public class CalibrationStatisticsTests
{
    [Test]
    public void Compute_HandWorkedExample_MatchesHandValues()
    {
        // doc  probabilities        gold  predicted  confidence  bin          correct  Σ(p − y)²
        // 1    (0.70, 0.20, 0.10)   0     0          0.70        (0.6, 0.7]   yes      0.09 + 0.04 + 0.01     = 0.14
        // 2    (0.60, 0.30, 0.10)   1     0          0.60        (0.5, 0.6]   no       0.36 + 0.49 + 0.01     = 0.86
        // 3    (0.05, 0.90, 0.05)   1     1          0.90        (0.8, 0.9]   yes      0.0025 + 0.01 + 0.0025 = 0.015
        // 4    (0.20, 0.15, 0.65)   2     2          0.65        (0.6, 0.7]   yes      0.04 + 0.0225 + 0.1225 = 0.185
        // ECE = (|2 − 1.35| + |0 − 0.6| + |1 − 0.9|) / 4 = 1.35 / 4 = 0.3375;  Brier = 1.2 / 4 = 0.3.
        var statistics = HandExample();

        statistics.DocumentCount.Should().Be(4);
        statistics.ExpectedCalibrationError.Should().BeApproximately(0.3375, 1e-15);
        statistics.BrierScore.Should().BeApproximately(0.3, 1e-15);
        var bins = statistics.Reliability();
        bins[6].Should().Be(new CalibrationBin(0.6, 0.7, 2, 2, 0.675, 1));
        bins[5].Accuracy.Should().Be(0);
        bins[0].Count.Should().Be(0);
        bins[0].MeanConfidence.Should().BeNull();
    }

    [TestCase(0.3, 2)]
    [TestCase(0.301, 3)]
    [TestCase(0.3004, 2)]
    [TestCase(1.0, 9)]
    [TestCase(0.5, 4)]
    public void Add_Confidence_GoesToTheRightClosedBin(double confidence, int expectedBin)
    {
        var statistics = new CalibrationStatistics();

        statistics.Add(0, [confidence, 0.0]);

        statistics[expectedBin].Count.Should().Be(1);
    }

    [Test]
    public void Add_TiedTopProbabilities_PredictsTheFirstClass()
    {
        var statistics = new CalibrationStatistics();

        statistics.Add(1, [0.5, 0.5]);

        statistics[4].Correct.Should().Be(0, "argmax takes the first of tied classes, as the engine does");
    }

    [Test]
    public void Add_DocumentWithNaN_IsRefusedAndChangesNothing()
    {
        var statistics = new CalibrationStatistics();

        FluentActions.Invoking(() => statistics.Add(0, [0.4, double.NaN])).Should().Throw<ArgumentException>();
        statistics.DocumentCount.Should().Be(0);
        statistics.SquaredErrorSteps.Should().Be(0);
    }

    [Test]
    public void Compute_RandomDocuments_MatchesDirectComputationOnRoundedProbabilities()
    {
        var random = new Random(1950);
        var statistics = new CalibrationStatistics();
        var documents = Enumerable.Range(0, 500).Select(_ => RandomDocument(random, 4)).ToList();
        foreach (var (gold, p) in documents)
        {
            statistics.Add(gold, p);
        }

        double brier = 0;
        var count = new int[10];
        var correct = new int[10];
        var confidence = new double[10];
        foreach (var (gold, p) in documents)
        {
            var rounded = p.Select(x => Math.Round(x, 3, MidpointRounding.AwayFromZero)).ToArray();
            brier += rounded.Select((x, c) => (x - (c == gold ? 1 : 0)) * (x - (c == gold ? 1 : 0))).Sum();
            var predicted = Array.IndexOf(p, p.Max());
            var bin = Math.Max(0, (int)Math.Ceiling(rounded[predicted] * 10 - 1e-9) - 1);
            count[bin]++;
            correct[bin] += predicted == gold ? 1 : 0;
            confidence[bin] += rounded[predicted];
        }

        var ece = Enumerable.Range(0, 10).Sum(b => Math.Abs(correct[b] - confidence[b])) / documents.Count;
        statistics.BrierScore.Should().BeApproximately(brier / documents.Count, 1e-12);
        statistics.ExpectedCalibrationError.Should().BeApproximately(ece, 1e-12);
    }

    [Test]
    public void Merge_RandomSplits_EqualsUnionExactly()
    {
        var random = new Random(2017);
        for (var trial = 0; trial < 100; trial++)
        {
            var union = new CalibrationStatistics();
            var sites = Enumerable.Range(0, random.Next(1, 6)).Select(_ => new CalibrationStatistics()).ToArray();
            for (var i = random.Next(0, 200); i > 0; i--)
            {
                var (gold, p) = RandomDocument(random, 3);
                union.Add(gold, p);
                sites[random.Next(sites.Length)].Add(gold, p);
            }

            var pooled = CalibrationStatistics.Merge(sites);

            pooled.Reliability().Should().Equal(union.Reliability());
            pooled.SquaredErrorSteps.Should().Be(union.SquaredErrorSteps);
            pooled.ExpectedCalibrationError.Should().Be(union.ExpectedCalibrationError);
            pooled.BrierScore.Should().Be(union.BrierScore);
        }
    }

    [Test]
    public void Compute_NoDocument_IsUndefined()
    {
        var statistics = new CalibrationStatistics();

        statistics.ExpectedCalibrationError.Should().BeNull();
        statistics.BrierScore.Should().BeNull();
    }

    [Test]
    public void Compute_PerfectConfidentPredictions_AreZero()
    {
        var statistics = new CalibrationStatistics();
        statistics.Add(0, [1.0, 0.0]);
        statistics.Add(1, [0.0, 1.0]);

        statistics.ExpectedCalibrationError.Should().Be(0);
        statistics.BrierScore.Should().Be(0);
    }

    [Test]
    public void FromSums_ReleasedSums_RoundTrip()
    {
        var original = HandExample();
        var bins = Enumerable.Range(0, CalibrationStatistics.Bins).Select(b => original[b]).ToList();

        var copy = CalibrationStatistics.FromSums(
            [.. bins.Select(b => b.Count)], [.. bins.Select(b => b.Correct)], [.. bins.Select(b => b.ConfidenceSteps)], original.SquaredErrorSteps);

        copy.Reliability().Should().Equal(original.Reliability());
        copy.BrierScore.Should().Be(original.BrierScore);
        copy.DocumentCount.Should().Be(4);
    }

    [Test]
    public void FromSums_ConfidenceOutsideItsBin_IsRefused()
    {
        var count = new long[10];
        var correct = new long[10];
        var confidence = new long[10];
        count[6] = 1;
        confidence[6] = 500;

        FluentActions.Invoking(() => CalibrationStatistics.FromSums(count, correct, confidence, 0))
            .Should().Throw<InvalidDataException>().WithMessage("*bin 6*");
    }

    private static CalibrationStatistics HandExample()
    {
        var statistics = new CalibrationStatistics();
        statistics.Add(0, [0.70, 0.20, 0.10]);
        statistics.Add(1, [0.60, 0.30, 0.10]);
        statistics.Add(1, [0.05, 0.90, 0.05]);
        statistics.Add(2, [0.20, 0.15, 0.65]);
        return statistics;
    }

    private static (int Gold, double[] Probabilities) RandomDocument(Random random, int classes)
    {
        var logits = Enumerable.Range(0, classes).Select(_ => 3 * random.NextDouble()).ToArray();
        var gold = random.Next(classes);
        logits[gold] += random.NextDouble();
        var sum = logits.Sum(Math.Exp);
        return (gold, [.. logits.Select(l => Math.Exp(l) / sum)]);
    }
}
