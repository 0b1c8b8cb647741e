using Partages.Evaluation.Tasks;
using Partages.Evaluation.Tasks.MultiLabel;
using static Partages.NodeAgent.Tests.ReleaseGate.TestDisclosureRules;

namespace Partages.NodeAgent.Tests.ReleaseGate;

public sealed class MultiLabelDisclosureTests
{
    private static readonly string[] Labels = ["BLSE", "EPC", "MRSA"];

    [Test]
    public void Apply_PrivacyOff_ReleasesTheExactCountsWithSmallCountsKept()
    {
        var result = Result(("BLSE", "", 30), ("BLSE", "BLSE", 40), ("", "", 25), ("EPC", "EPC", 2), ("EPC", "", 1), ("BLSE", "BLSE+MRSA", 2));

        var released = DisclosureControl.Apply(result, Exact, new RecordingNoise(0));

        released.Should().BeEquivalentTo(result with { Release = released.Release });
        released.PerClass["EPC"].Tp.Should().Be(2, "no count is released as 0 because it is small");
        released.Release!.IsExact.Should().BeTrue();
    }

    [Test]
    public void Apply_CountsNotAddingUpToNDocuments_Refused()
    {
        var result = Result(("BLSE", "BLSE", 40));

        var act = () => DisclosureControl.Apply(result with { NDocuments = 45 }, Exact, new RecordingNoise(0));

        act.Should().Throw<EvaluationRefusedException>().WithMessage("*BLSE*n_documents*");
    }

    [Test]
    public void Apply_Private_EveryCountNoisedWithItsSectionsReplaceOneVariance()
    {
        var result = Result(("BLSE", "", 30), ("BLSE", "BLSE", 40), ("", "", 25), ("EPC", "EPC", 2), ("EPC", "", 1), ("BLSE", "BLSE+MRSA", 2));
        var noise = new RecordingNoise(1);

        var released = DisclosureControl.Apply(result, Private, noise);

        // L = 3: outcome counts Δ₂² = 2L + 2 = 8 on 3/4 of ρ, co-occurrence off the diagonal Δ₂² = L(L − 1) = 6 on 1/4.
        var rho = Privacy.RhoPerRelease;
        var outcome = 8 / (2 * rho * 0.75);
        var cooccurrence = 6 / (2 * rho * 0.25);
        var kinds = DisclosureControl.KnownSkipKinds.Count + 1;
        noise.Variances.Count(v => v >= outcome && v < outcome * (1 + 1e-6)).Should().Be((4 * 3) + 2 + kinds, "tp/fp/fn/tn of 3 labels, exact and other documents, every skipped kind; σ² rounded up");
        noise.Variances.Count(v => v >= cooccurrence && v < cooccurrence * (1 + 1e-6)).Should().Be(6, "the 6 cells off the diagonal");
        noise.Variances.Should().HaveCount((4 * 3) + 2 + kinds + 6);
        released.PerClass["EPC"].Should().BeEquivalentTo(new { Tp = 3, Fp = 1, Fn = 2, Tn = 98 });
        released.ConfusionMatrix.Matrix.Should().BeEquivalentTo(new long[][] { [43, 1, 3], [1, 3, 1], [1, 1, 1] }, o => o.WithStrictOrdering(), "the diagonal is the noisy tp, noised once");
        released.MultiLabel!.ExactMatches.Should().Be(68);
        released.NDocuments.Should().Be(102, "exact matches and other documents, each noised");
        released.InputSummary.DocumentsEvaluated.Should().Be(102);
        released.InputSummary.DocumentsRead.Should().Be(100, "the lines read are public under replace-one");
        released.InputSummary.Skipped.Keys.Should().BeEquivalentTo(DisclosureControl.KnownSkipKinds.Append(PrivateRelease.OtherSkipKind));
        var privacy = released.Release!.DifferentialPrivacy!;
        privacy.Epsilon.Should().BeApproximately(1, 1e-6);
        privacy.NoiseVariance.OutcomeCounts.Should().BeApproximately(outcome, outcome * 1e-6);
        privacy.NoiseVariance.Cooccurrence.Should().BeApproximately(cooccurrence, cooccurrence * 1e-6);
    }

    [Test]
    public void Apply_PrivateSingleLabel_AllOfRhoOnTheOutcomeCountsAndNoCooccurrence()
    {
        var statistics = new MultiLabelStatistics(["BLSE"]);
        for (var d = 0; d < 50; d++)
        {
            statistics.Add([d % 2 == 0], [d % 3 == 0]);
        }

        var noise = new RecordingNoise(0);
        var released = DisclosureControl.Apply(Build(statistics), Private, noise);

        var outcome = 4 / (2 * Privacy.RhoPerRelease);
        noise.Variances.Should().OnlyContain(v => v >= outcome && v < outcome * (1 + 1e-6));
        released.Release!.DifferentialPrivacy!.NoiseVariance.Cooccurrence.Should().BeNull();
    }

    [Test]
    public void Apply_Private_FiguresFromTheNoisyCountsWithIntervalsAndRareLabelsNotEstimable()
    {
        // MRSA is predicted twice in 1000 documents: under σ ≈ 12 its precision has no denominator to speak of.
        var result = Result(("BLSE", "BLSE", 500), ("BLSE", "", 100), ("EPC", "EPC", 200), ("", "", 198), ("MRSA", "MRSA", 2));

        var released = DisclosureControl.Apply(result, Private, new SeededNoise(3));

        var blse = released.PerClass["BLSE"];
        blse.Recall.Should().BeApproximately(500.0 / 600, 0.05);
        released.Intervals!.Method.Should().Be(IntervalsSection.DpSimulationMethod);
        released.Intervals.PerClass["BLSE"].Recall!.CiLow.Should().BeLessThan(blse.Recall!.Value);
        released.Intervals.PerClass["BLSE"].Recall!.CiHigh.Should().BeGreaterThan(blse.Recall.Value);
        released.Intervals.MicroF1.Should().NotBeNull();
        released.PerClass["MRSA"].Precision.Should().BeNull("not estimable, never 0 or 1");
        released.PerClass["MRSA"].F1.Should().BeNull();
        released.Macro.F1.Should().BeNull("a mean needs every label's figure");
        released.Accuracy.Should().BeApproximately(900.0 / 1000, 0.05, "subset accuracy from the noisy exact matches and other documents");
    }

    [Test]
    public void Apply_NeighbouringDatasets_ReleasedCountsDifferByAtMostTheStatedSensitivity()
    {
        var random = new Random(11);
        var (largestOutcome, largestCooccurrence) = (0.0, 0.0);
        for (var trial = 0; trial < 150; trial++)
        {
            var reports = Enumerable.Range(0, 30).Select(_ => Report(random)).ToList();
            var neighbour = reports.ToList();
            neighbour[random.Next(reports.Count)] = Report(random);

            var (outcome, cooccurrence) = SquaredDistance(Release(reports), Release(neighbour));

            outcome.Should().BeLessThanOrEqualTo(MultiLabelRelease.OutcomeSensitivitySquared(Labels.Length), $"trial {trial}");
            cooccurrence.Should().BeLessThanOrEqualTo(MultiLabelRelease.CooccurrenceSensitivitySquared(Labels.Length), $"trial {trial}");
            (largestOutcome, largestCooccurrence) = (Math.Max(largestOutcome, outcome), Math.Max(largestCooccurrence, cooccurrence));
        }

        // The bounds are reached: every label on both sides against none (or a skipped line).
        var full = Enumerable.Repeat(new MultiLabelReport([true, true, true], [true, true, true], null), 30).ToList();
        var replaced = full.ToList();
        replaced[0] = new MultiLabelReport([true, false, true], [false, true, false], null);
        SquaredDistance(Release(full), Release(replaced)).Outcome.Should().Be(MultiLabelRelease.OutcomeSensitivitySquared(Labels.Length));
        replaced[0] = new MultiLabelReport([false, false, false], [false, false, false], null);
        SquaredDistance(Release(full), Release(replaced)).Cooccurrence.Should().Be(MultiLabelRelease.CooccurrenceSensitivitySquared(Labels.Length));
        largestOutcome.Should().BePositive();
        largestCooccurrence.Should().BePositive();
    }

    [Test]
    public void Apply_PrivateSitesPooledOnTheCoordinator_CountsAndVariancesAreTheSums()
    {
        var a = DisclosureControl.Apply(Result(("BLSE", "BLSE", 40), ("", "", 30), ("EPC", "", 5)), Private, new SeededNoise(1));
        var b = DisclosureControl.Apply(Result(("BLSE", "", 20), ("EPC", "EPC", 30), ("", "MRSA", 5)), Private, new SeededNoise(2));
        var sites = new Dictionary<string, ResultDocument> { ["a"] = ResultJson.DeserializeSite(ResultJson.Serialize(a)), ["b"] = ResultJson.DeserializeSite(ResultJson.Serialize(b)) };

        var pooled = PooledResultDocument.Pool(TaskTypes.MultiLabelClassification, Labels, sites, []).Pooled!;

        foreach (var label in Labels)
        {
            pooled.PerClass[label].Should().BeEquivalentTo(
                new { Tp = a.PerClass[label].Tp + b.PerClass[label].Tp, Fp = a.PerClass[label].Fp + b.PerClass[label].Fp, Fn = a.PerClass[label].Fn + b.PerClass[label].Fn, Tn = a.PerClass[label].Tn + b.PerClass[label].Tn },
                label);
        }

        pooled.MultiLabel!.ExactMatches.Should().Be(a.MultiLabel!.ExactMatches + b.MultiLabel!.ExactMatches);
        pooled.NDocuments.Should().Be(a.NDocuments + b.NDocuments);
        pooled.Release!.DifferentialPrivacy!.NoiseVariance.OutcomeCounts.Should().BeApproximately(2 * a.Release!.DifferentialPrivacy!.NoiseVariance.OutcomeCounts, 1e-9);
    }

    /// <summary>The released count vectors of each section (zero noise): outcome counts, and co-occurrence off the diagonal.</summary>
    private static (double Outcome, double Cooccurrence) SquaredDistance(ResultDocument a, ResultDocument b)
    {
        static long[] Outcome(ResultDocument d) =>
        [
            .. Labels.SelectMany(l => new[] { d.PerClass[l].Tp, d.PerClass[l].Fp, d.PerClass[l].Fn, d.PerClass[l].Tn }),
            d.MultiLabel!.ExactMatches,
            d.NDocuments - d.MultiLabel.ExactMatches,
            .. d.InputSummary.Skipped.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => k.Value),
        ];
        static long[] OffDiagonal(ResultDocument d) =>
            [.. d.ConfusionMatrix.Matrix.SelectMany((row, g) => row.Where((_, p) => p != g))];
        return (Squared(Outcome(a), Outcome(b)), Squared(OffDiagonal(a), OffDiagonal(b)));
    }

    private static double Squared(long[] a, long[] b)
    {
        a.Should().HaveSameCount(b);
        return a.Zip(b).Sum(p => (double)(p.First - p.Second) * (p.First - p.Second));
    }

    /// <summary>One line of the dataset: a report's gold and predicted label sets, or a line skipped as <paramref name="Skipped"/>.</summary>
    private sealed record MultiLabelReport(bool[] Gold, bool[] Predicted, string? Skipped);

    private static MultiLabelReport Report(Random random) => random.Next(10) == 0
        ? new MultiLabelReport([], [], random.Next(2) == 0 ? "empty_text" : "malformed_json")
        : new MultiLabelReport([.. Labels.Select(_ => random.Next(3) == 0)], [.. Labels.Select(_ => random.Next(3) == 0)], null);

    private static ResultDocument Release(IReadOnlyList<MultiLabelReport> reports)
    {
        var statistics = new MultiLabelStatistics(Labels);
        var skipped = new Dictionary<string, long>();
        foreach (var report in reports)
        {
            if (report.Skipped is { } kind)
            {
                skipped[kind] = skipped.GetValueOrDefault(kind) + 1;
            }
            else
            {
                statistics.Add(report.Gold, report.Predicted);
            }
        }

        var result = Build(statistics) with
        {
            InputSummary = new InputSummary { DocumentsRead = reports.Count, DocumentsEvaluated = statistics.DocumentCount, Skipped = skipped },
        };
        // Under the minimum size rule a 30-line dataset is refused; the sensitivity is the private rule's own.
        return DisclosureControl.Apply(result, Private with { MinDatasetDocuments = 1 }, new RecordingNoise(0));
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

        return Build(statistics);
    }

    private static ResultDocument Build(MultiLabelStatistics statistics) => MultiLabelResults.Build(
        TaskTypes.MultiLabelClassification,
        0.5,
        statistics,
        new InputSummary { DocumentsRead = statistics.DocumentCount, DocumentsEvaluated = statistics.DocumentCount });
}
