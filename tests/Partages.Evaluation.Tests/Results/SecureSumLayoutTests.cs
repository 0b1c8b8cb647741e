namespace Partages.Evaluation.Tests.Results;

/// <summary>
/// The secure sum's layout: sites of one spec share it, it holds no figure of a site, and the result filled with the
/// sum of the sites' vectors pools to exactly the sites' pooled result.
/// </summary>
public sealed class SecureSumLayoutTests
{
    private const string Task = "single_label_classification";
    private static readonly string[] Labels = ["sensible", "BLSE", "SARM"];
    private static readonly string[] SkipKinds = ["empty_text", "unknown_label"];

    [Test]
    public void Fill_SumOfSiteVectors_PoolsToTheSitesPooledResultExactly()
    {
        var random = new Random(20261207);
        for (var trial = 0; trial < 12; trial++)
        {
            var sites = Enumerable.Range(0, random.Next(3, 6))
                .ToDictionary(i => $"site-{i}", _ => Released(Build(random, random.Next(0, 80), skipped: random.Next(0, 3))));
            var vectors = sites.Values.Select(s => SecureSumLayout.Flatten(s, Labels, SkipKinds)).ToList();

            vectors.Select(v => v.LayoutJson).Distinct().Should().ContainSingle("every site of one spec shares one layout");
            var sum = Sum(vectors);

            var summed = SecureSumLayout.Fill(vectors[0].LayoutJson, sum);
            var fromSum = TaskRegistry.Get(Task).Pool(Labels, [new("secure sum", summed)]).Pooled!;
            var fromSites = PooledResultDocument.Pool(Task, Labels, sites, []).Pooled!;

            fromSum.ConfusionMatrix.Matrix.Should().BeEquivalentTo(fromSites.ConfusionMatrix.Matrix, o => o.WithStrictOrdering());
            fromSum.PerClass.Should().BeEquivalentTo(fromSites.PerClass);
            fromSum.Accuracy.Should().Be(fromSites.Accuracy);
            fromSum.ScoreHistograms.Should().BeEquivalentTo(fromSites.ScoreHistograms, o => o.WithStrictOrdering());
            fromSum.Calibration.Should().BeEquivalentTo(fromSites.Calibration);
            fromSum.Auroc.Should().BeEquivalentTo(fromSites.Auroc);
            fromSum.InputSummary.DocumentsRead.Should().Be(fromSites.InputSummary.DocumentsRead);
            fromSum.InputSummary.Skipped["empty_text"].Should().Be(fromSites.InputSummary.Skipped.GetValueOrDefault("empty_text"));
        }
    }

    [Test]
    public void Flatten_AnySite_LayoutCarriesNoCountOfIt()
    {
        var site = Released(Build(new Random(5), 60, skipped: 2));

        var vector = SecureSumLayout.Flatten(site, Labels, SkipKinds);

        vector.Counts.Should().Contain(c => c > 0);
        SecureSumLayout.SlotCount(vector.LayoutJson).Should().Be(vector.Counts.Length);
        var layout = SecureSumLayout.Fill(vector.LayoutJson, new long[vector.Counts.Length]);
        layout.ConfusionMatrix.Matrix.SelectMany(row => row).Should().OnlyContain(c => c == 0);
        layout.InputSummary.DocumentsRead.Should().Be(0);
        layout.Accuracy.Should().BeNull("a figure of zero counts is not estimable");
    }

    [Test]
    public void Pool_NoisySharesWithNegativeCounts_SumOfCountsAndVariancesOverTheContributors()
    {
        var random = new Random(14);
        var policy = new PrivateRelease(0.05, 1e-6, 3, 300, SkipKinds, new AlternatingNoise());
        var shares = Enumerable.Range(0, 3)
            .Select(_ => TaskRegistry.Get(Task).ReleasePrivate(Build(random, 30, skipped: 1), policy))
            .Select(s => s with { Release = s.Release! with { DifferentialPrivacy = s.Release.DifferentialPrivacy! with { Mechanism = DifferentialPrivacyRelease.Skellam, NoiseThreshold = 2 } } })
            .ToList();
        shares.SelectMany(s => s.ConfusionMatrix.Matrix.SelectMany(r => r)).Should().Contain(c => c < 0, "the test needs negative noisy cells");

        var vectors = shares.Select(s => SecureSumLayout.Flatten(s, Labels, SkipKinds)).ToList();
        var sum = Sum(vectors);

        var pooled = SecureSumLayout.Pool(vectors[0].LayoutJson, sum, 3, Labels)!;
        var expected = PooledResultDocument.Pool(Task, Labels, shares.Select((s, i) => new KeyValuePair<string, ResultDocument>($"s{i}", s)).ToDictionary(), []).Pooled!;

        pooled.ConfusionMatrix.Matrix.Should().BeEquivalentTo(expected.ConfusionMatrix.Matrix, o => o.WithStrictOrdering());
        pooled.Release!.DifferentialPrivacy!.NoiseVariance.OutcomeCounts.Should().BeApproximately(3 * shares[0].Release!.DifferentialPrivacy!.NoiseVariance.OutcomeCounts, 1e-9);
        pooled.Accuracy.Should().Be(expected.Accuracy);
    }

    [Test]
    public void Fill_SumOfWrongLength_IsRefusedWithTheCounts()
    {
        var vector = SecureSumLayout.Flatten(Released(Build(new Random(9), 20, skipped: 0)), Labels, SkipKinds);

        var act = () => SecureSumLayout.Fill(vector.LayoutJson, new long[vector.Counts.Length + 1]);

        act.Should().Throw<InvalidDataException>().WithMessage($"the layout has {vector.Counts.Length} counts, the sum {vector.Counts.Length + 1}");
    }

    /// <summary>The vectors added element-wise, as the unmasked secure sum is; each must have the first one's length.</summary>
    internal static long[] Sum(IReadOnlyList<SecureSumVector> vectors)
    {
        var sum = new long[vectors[0].Counts.Length];
        foreach (var vector in vectors)
        {
            vector.Counts.Length.Should().Be(sum.Length);
            for (var i = 0; i < sum.Length; i++)
            {
                sum[i] += vector.Counts[i];
            }
        }

        return sum;
    }

    /// <summary>−40, +40, −40, …: noise large enough to make small cells negative.</summary>
    internal sealed class AlternatingNoise : Partages.Evaluation.Privacy.ICountNoise
    {
        private long _next = -40;

        public long Sample(Partages.Evaluation.Privacy.Rational sigmaSquared) => _next = -_next;
    }

    private static ResultDocument Released(ResultDocument result) =>
        ResultJson.DeserializeSite(ResultJson.Serialize(TaskRegistry.Get(Task).ReleaseExact(result)));

    internal static ResultDocument Build(Random random, int count, int skipped)
    {
        var counts = new ClassificationCounts(Labels);
        var histograms = new OneVsRestHistograms(Labels);
        var calibration = new CalibrationStatistics();
        for (var i = 0; i < count; i++)
        {
            int a = random.Next(0, 21) * 50, b = random.Next(0, 21) * 50;
            var (low, high) = (Math.Min(a, b), Math.Max(a, b));
            double[] probabilities = [low / 1000.0, (high - low) / 1000.0, (1000 - high) / 1000.0];
            var gold = random.Next(Labels.Length);
            counts.Add(gold, Array.IndexOf(probabilities, probabilities.Max()));
            histograms.Add(gold, probabilities);
            calibration.Add(gold, probabilities);
        }

        var skips = new SortedDictionary<string, long>(StringComparer.Ordinal);
        if (skipped > 0)
        {
            skips["empty_text"] = skipped;
        }

        return ResultDocument.FromStatistics(Task, counts, histograms, calibration, new InputSummary
        {
            DocumentsRead = count + skipped,
            DocumentsEvaluated = count,
            Skipped = skips,
        });
    }
}

/// <summary>What every rendering says of a pooled-only result.</summary>
public sealed class SecureSumReleaseNotesTests
{
    [Test]
    public void For_SecureSumWithDropoutAndRefusal_SaysSecureSumNotAvailablePerSiteAndWhoDropped()
    {
        var result = new PooledResultDocument
        {
            Task = "single_label_classification",
            Pooled = null,
            PerSite = new Dictionary<string, ResultDocument>(),
            IncludedSites = ["a", "b", "c"],
            MissingSites = [],
            SecureSum = new SecureSumSection(SecureSumSection.Bonawitz2017, 3, ["a", "b", "c", "d", "e"], ["a", "b", "c"], ["d"], ["e"], new Dictionary<string, string> { ["e"] = "UNKNOWN_PEER: 'x' is not in this node's policy" }),
        };

        var notes = ReleaseNotes.For(result);

        notes.Should().Contain(n => n.StartsWith("Secure sum: the pooled figures are the sum of 3 site(s) (a, b, c)", StringComparison.Ordinal) && n.Contains("threshold 3 of 5") && n.Contains(SecureSumSection.NotAvailable));
        notes.Should().Contain(n => n.Contains("after sharing") && n.EndsWith(": d.", StringComparison.Ordinal));
        notes.Should().Contain("e refused the cohort: UNKNOWN_PEER: 'x' is not in this node's policy");
    }
}
