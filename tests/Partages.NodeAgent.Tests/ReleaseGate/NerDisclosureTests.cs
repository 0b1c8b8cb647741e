using Partages.Evaluation.Tasks;
using Partages.Evaluation.Tasks.EntityRecognition;
using Partages.Evaluation.Tokenization;

namespace Partages.NodeAgent.Tests.ReleaseGate;

/// <summary>
/// The release gate on entity recognition results. Sites are counted by the real code (<see cref="NerStatistics"/>:
/// nervaluate's schemes, seqeval, the boundary matrix, the bound on entities per report) over reports of twenty
/// one-character words, so positions are both characters and words.
/// </summary>
public sealed partial class NerDisclosureTests
{
    private const int B = 0, S = 1, Positions = 20;
    private static readonly string[] Types = ["BIOMARKER", "STATUS"];
    private static readonly NerWord[] Words = [.. Enumerable.Range(0, Positions).Select(i => new NerWord(i, i + 1, i))];
    private static readonly DifferentialPrivacyPolicy Privacy = new() { EpsilonPerRelease = 1, EpsilonBudget = 10, Delta = 1e-6, MaxEntitiesPerReport = 2 };
    private static readonly DisclosureRules Private = new(MinDatasetDocuments: 20, Privacy);
    private static readonly DisclosureRules Exact = new(MinDatasetDocuments: 20, DifferentialPrivacyPolicy.Off);

    [Test]
    public void Apply_PrivacyOff_ReleasedExactlyWithSmallOutcomesKept()
    {
        var result = new NerSite().Exact(B, 40).Exact(S, 30).OverlapSameType(B, 3).SameSpanOtherType(B, S, 1).Result();

        var released = DisclosureControl.Apply(result, Exact, new RecordingNoise(0));

        released.Should().BeEquivalentTo(result with { Release = released.Release });
        released.Schemes![NerSchemes.Type].PerType["BIOMARKER"].Correct.Should().Be(43, "the 3 overlaps are counted, not hidden");
        released.Release!.IsExact.Should().BeTrue();
    }

    [Test]
    public void Apply_SchemesBreakingAnIdentity_RefusedNamingTheIdentityWithoutCounts()
    {
        var exact = new NerSite().Exact(B, 40).Exact(S, 30).Result();
        var tampered = exact.Schemes!.ToDictionary(p => p.Key, p => p.Value);
        var strict = tampered[NerSchemes.Strict];
        tampered[NerSchemes.Strict] = strict with { PerType = new Dictionary<string, NerSchemeMetrics>(strict.PerType) { ["STATUS"] = strict.PerType["STATUS"] with { Missed = 2 } } };

        foreach (var rules in new[] { Exact, Private })
        {
            var act = () => DisclosureControl.Apply(exact with { Schemes = tampered }, rules, new RecordingNoise(0));

            act.Should().Throw<EvaluationRefusedException>().WithMessage("*STATUS*missed and spurious*").Which.Message.Should().NotContainAny("30", "40");
        }
    }

    [Test]
    public void Apply_TypesMatchedAloneContradictingTheTypesMatchedTogether_RefusedNamingTheIdentityWithoutCounts()
    {
        var exact = new NerSite().Exact(B, 40).Missed(S, 5).Result();
        var tampered = exact.SchemesByType!.ToDictionary(
            p => p.Key,
            p => p.Value with { PerType = new Dictionary<string, NerSchemeMetrics>(p.Value.PerType) { ["STATUS"] = p.Value.PerType["STATUS"] with { Missed = 6 } } });

        foreach (var rules in new[] { Exact, Private })
        {
            var act = () => DisclosureControl.Apply(exact with { SchemesByType = tampered }, rules, new RecordingNoise(0));

            act.Should().Throw<EvaluationRefusedException>().WithMessage("*STATUS*matched with all types and alone differ*").Which.Message.Should().NotContainAny("40", " 5", "6");
        }
    }

    [Test]
    public void Apply_Nervaluate01_ReleasedWithoutTypesMatchedAloneAndLabelled()
    {
        var result = new NerSite(matching: NerMatching.Nervaluate01).Exact(B, 40).Exact(S, 30).Result();

        var released = DisclosureControl.Apply(result, Private, new RecordingNoise(0));

        released.NerMatching.Should().Be(NerMatching.Nervaluate01);
        released.SchemesByType.Should().BeNull();
        released.Release!.DifferentialPrivacy!.NoiseVariance.EntityByTypeCounts.Should().BeNull();
        released.Release.DifferentialPrivacy.NoiseVariance.EntityCounts.Should().BeApproximately(32 / (2 * Privacy.RhoPerRelease * 0.4), 1e-3, "the outcomes keep the whole entity share");
    }

    [Test]
    public void Apply_EdsNlpCountsImpossible_RefusedNamingTheTypeWithoutCounts()
    {
        var result = new NerSite(edsNlp: new NerEdsNlpOptions([EdsNlpMetrics.Exact], 0.5)).Exact(B, 40).Result();
        var section = result.EdsNlp!.Metrics[EdsNlpMetrics.Exact];
        var tampered = result.EdsNlp with
        {
            Metrics = new Dictionary<string, EdsNlpMetricSection>
            {
                [EdsNlpMetrics.Exact] = section with { PerType = new Dictionary<string, EdsNlpScore>(section.PerType) { ["STATUS"] = section.PerType["STATUS"] with { Tp = 3 } } },
            },
        };

        var act = () => DisclosureControl.Apply(result with { EdsNlp = tampered }, Exact, new RecordingNoise(0));

        act.Should().Throw<EvaluationRefusedException>().WithMessage("*ner_exact*STATUS*impossible*").Which.Message.Should().NotContainAny("40", "3 ");
    }

    [Test]
    public void Apply_PrivateResultCountedWithoutAnEntityBound_Refused()
    {
        var unbounded = new NerSite(maxEntitiesPerReport: null).Exact(B, 40).Exact(S, 30).Result();

        var act = () => DisclosureControl.Apply(unbounded, Private, new RecordingNoise(0));

        act.Should().Throw<EvaluationRefusedException>().WithMessage("*without a bound on entities per report*");
    }

    [Test]
    public void Apply_PrivateResultCountedUnderALooserBoundThanThePolicys_Refused()
    {
        var loose = new NerSite(maxEntitiesPerReport: 5).Exact(B, 40).Result();

        var act = () => DisclosureControl.Apply(loose, Private, new RecordingNoise(0));

        act.Should().Throw<EvaluationRefusedException>().WithMessage("*max_entities_per_report: 2*");
    }

    [Test]
    public void Apply_PrivateResultCountedWithoutABoundOnWords_Refused()
    {
        var unbounded = new NerSite(maxWordsPerReport: null).Exact(B, 40).Result();

        var act = () => DisclosureControl.Apply(unbounded, Private, new RecordingNoise(0));

        act.Should().Throw<EvaluationRefusedException>().WithMessage("*max_words_per_report: 500*");
    }

    [Test]
    public void Apply_Private_EveryCountNoisedWithItsSectionsReplaceOneVariance()
    {
        var site = new NerSite().Exact(B, 40).Exact(S, 30).OverlapSameType(B, 3).Missed(S, 5).Spurious(B, 4).Many(B, 6, 2);
        var result = site.Result() with { InputSummary = site.Result().InputSummary with { DocumentsRead = 86, Skipped = new Dictionary<string, long> { ["empty_text"] = 2 } } };
        var noise = new RecordingNoise(1);

        var released = DisclosureControl.Apply(result, Private, noise);

        // Rule (nervaluate-1, the default): m = 2, T = 2, W = 500: outcomes of all types together Δ₂² = 2m²(T² − T + 2)
        // = 32 on 0.6 × 0.4 of ρ, each type matched alone Δ₂² = 4Tm² = 32 on 0.4 × 0.4; seqeval Δ₂² = 3m²T = 24 on 0.35;
        // reports Δ₂² = 3 on 0.15; words (correct, other) Δ₂² = 2W² on 0.1.
        var rho = Privacy.RhoPerRelease;
        var kinds = DisclosureControl.KnownSkipKinds.Count + 1;
        Count(noise, 32 / (2 * rho * 0.24)).Should().Be(4 + (4 * 2), "the 4 boundary cells and A3, A4, A5, A6 of 2 types");
        Count(noise, 32 / (2 * rho * 0.16)).Should().Be(4 * 2, "A1, A3, A5, A6 of 2 types matched alone");
        Count(noise, 24 / (2 * rho * 0.35)).Should().Be(3 * 2, "seqeval's tp, fp, fn of 2 types");
        Count(noise, 3 / (2 * rho * 0.15)).Should().Be(1 + kinds + 1, "documents evaluated, every skipped kind, reports clipped");
        Count(noise, 2.0 * 500 * 500 / (2 * rho * 0.1)).Should().Be(2, "words tagged correctly and the others");
        noise.Variances.Should().HaveCount(12 + 8 + 6 + kinds + 2 + 2);

        released.NDocuments.Should().Be(85, "84 reports evaluated, noised");
        released.InputSummary.DocumentsRead.Should().Be(86, "the lines read are public under replace-one");
        released.InputSummary.Skipped["empty_text"].Should().Be(3);
        released.EntityClipping.Should().Be(new EntityClippingSection(2, 3) { MaxWordsPerReport = 500 }, "2 clipped reports, noised");
        released.ConfusionMatrix.Matrix.Should().BeEquivalentTo(new long[][] { [40 + 4 + 1, 1], [1, 31] }, o => o.WithStrictOrdering());
        var strict = released.Schemes![NerSchemes.Strict].PerType["BIOMARKER"];
        strict.Should().Match<NerSchemeMetrics>(m => m.Correct == 45 && m.Incorrect == 1 + 4 + 1 && m.Missed == 1 && m.Spurious == 5);
        released.Seqeval!.PerType["STATUS"].Fn.Should().Be(6);
        released.Seqeval.Words.Should().Be(result.Seqeval!.Words + 2, "two noisy cells, each moved by 1");
        released.Seqeval.WordsCorrect.Should().Be(result.Seqeval.WordsCorrect + 1);
        released.Accuracy.Should().BeNull();
        released.Release!.WithheldSections.Should().BeEmpty();
        var variances = released.Release.DifferentialPrivacy!.NoiseVariance;
        variances.EntityCounts.Should().BeApproximately(32 / (2 * rho * 0.24), 1e-3);
        variances.EntityByTypeCounts.Should().BeApproximately(32 / (2 * rho * 0.16), 1e-3);
        released.NerMatching.Should().Be(NerMatching.Nervaluate1);
        released.SchemesByType![NerSchemes.Strict].PerType["BIOMARKER"].Correct.Should().Be(44 + 1, "A1 of BIOMARKER alone, noised by 1");
        variances.SeqevalCounts.Should().BeApproximately(24 / (2 * rho * 0.35), 1e-3);
        variances.WordCounts.Should().BeApproximately(2.0 * 500 * 500 / (2 * rho * 0.1), 1);
        variances.OutcomeCounts.Should().BeApproximately(3 / (2 * rho * 0.15), 1e-3);
    }

    [Test]
    public void Apply_PrivateWithRealNoise_SchemesRebuiltFromTheNoisyOutcomesStayConsistent()
    {
        var site = new NerSite().Exact(B, 60).Exact(S, 50).OverlapSameType(B, 8).OverlapOtherType(S, B, 5).SameSpanOtherType(B, S, 6).Missed(S, 9).Spurious(B, 7);

        var released = DisclosureControl.Apply(site.Result(), Private, new SeededNoise(4));

        // The released document satisfies every identity between the schemes and the boundary matrix.
        var counts = PrivateNerResults.Read(released, Types);
        foreach (var scheme in NerSchemes.All)
        {
            for (var t = 0; t < Types.Length; t++)
            {
                released.Schemes![scheme].PerType[Types[t]].ToCounts().Should().Be(counts.Outcomes.Scheme(scheme, t), $"{scheme} {Types[t]}");
            }

            var overall = released.Schemes![scheme].Overall;
            overall.Correct.Should().Be(released.Schemes[scheme].PerType.Values.Sum(m => m.Correct));
        }

        var exact = released.Schemes![NerSchemes.Exact].PerType["BIOMARKER"].Correct;
        (exact - released.Schemes[NerSchemes.Strict].PerType["BIOMARKER"].Correct).Should().Be(released.ConfusionMatrix.Matrix[0][1], "exact.correct − strict.correct is the released A2");
        released.Schemes[NerSchemes.Strict].PerTypeIntervals.Should().ContainKeys(Types);
        released.Intervals!.Method.Should().Be(IntervalsSection.DpSimulationMethod);
    }

    [Test]
    public void Apply_NeighbouringDatasets_EachSectionsCountsDifferByAtMostItsStatedSensitivity()
    {
        var random = new Random(17);
        var largest = new double[4];
        for (var trial = 0; trial < 200; trial++)
        {
            var reports = Enumerable.Range(0, 25).Select(_ => NerSite.RandomReport(random)).ToList();
            var neighbour = reports.ToList();
            neighbour[random.Next(reports.Count)] = NerSite.RandomReport(random);

            var distance = SquaredDistances(Release(reports), Release(neighbour));

            distance[0].Should().BeLessThanOrEqualTo(EntityRecognitionRelease.EntitySensitivitySquared(2, Types.Length), $"outcomes, trial {trial}");
            distance[1].Should().BeLessThanOrEqualTo(EntityRecognitionRelease.SeqevalSensitivitySquared(2, Types.Length), $"seqeval, trial {trial}");
            distance[2].Should().BeLessThanOrEqualTo(EntityRecognitionRelease.ReportSensitivitySquared, $"reports, trial {trial}");
            distance[3].Should().BeLessThanOrEqualTo(EntityRecognitionRelease.ByTypeSensitivitySquared(2, Types.Length), $"types matched alone, trial {trial}");
            for (var s = 0; s < 4; s++)
            {
                largest[s] = Math.Max(largest[s], distance[s]);
            }
        }

        largest.Should().OnlyContain(d => d > 0);
        largest[2].Should().Be(EntityRecognitionRelease.ReportSensitivitySquared, "a clipped report replaced by a skipped line moves 3 report counts");
        TestContext.Out.WriteLine($"largest squared distances: outcomes {largest[0]}, seqeval {largest[1]}, reports {largest[2]}, types alone {largest[3]}");
    }

    [Test]
    public void Apply_NeighboursAtTheBound_SeqevalReachesItsSensitivity()
    {
        // Per type, (tp, fp, fn) from (m, 0, 0) to (0, m, m): 3m² per type.
        var all = new NerReport([new(0, 1, B), new(2, 3, B), new(4, 5, S), new(6, 7, S)], [new(0, 1, B), new(2, 3, B), new(4, 5, S), new(6, 7, S)], null);
        var none = new NerReport([new(0, 1, B), new(2, 3, B), new(4, 5, S), new(6, 7, S)], [new(10, 11, B), new(12, 13, B), new(14, 15, S), new(16, 17, S)], null);
        var reports = Enumerable.Repeat(all, 25).ToList();
        var neighbour = reports.ToList();
        neighbour[0] = none;

        SquaredDistances(Release(reports), Release(neighbour))[1].Should().Be(EntityRecognitionRelease.SeqevalSensitivitySquared(2, Types.Length));
    }

    [Test]
    public void Apply_PrivateSitesPooledOnTheCoordinator_OutcomesSeqevalAndClippingAreTheSumsWithTheVariances()
    {
        var a = DisclosureControl.Apply(new NerSite().Exact(B, 40).Exact(S, 30).Missed(S, 6).Many(S, 3, 2).Result(), Private, new SeededNoise(1));
        var b = DisclosureControl.Apply(new NerSite().Exact(B, 20).Spurious(S, 3).OverlapSameType(B, 5).Result(), Private, new SeededNoise(2));
        var sites = new Dictionary<string, ResultDocument> { ["a"] = ResultJson.DeserializeSite(ResultJson.Serialize(a)), ["b"] = ResultJson.DeserializeSite(ResultJson.Serialize(b)) };

        var pooled = PooledResultDocument.Pool(TaskTypes.TokenClassification, Types, sites, []).Pooled!;

        var (ca, cb, cp) = (PrivateNerResults.Read(a, Types), PrivateNerResults.Read(b, Types), PrivateNerResults.Read(pooled, Types));
        cp.Outcomes.Cells().Should().Equal(ca.Outcomes.Cells().Zip(cb.Outcomes.Cells(), (x, y) => x + y));
        cp.SeqevalFn.Should().Equal(ca.SeqevalFn.Zip(cb.SeqevalFn, (x, y) => x + y));
        pooled.EntityClipping!.ReportsClipped.Should().Be(a.EntityClipping!.ReportsClipped + b.EntityClipping!.ReportsClipped);
        pooled.NDocuments.Should().Be(a.NDocuments + b.NDocuments);
        var variance = a.Release!.DifferentialPrivacy!.NoiseVariance;
        pooled.Release!.DifferentialPrivacy!.NoiseVariance.EntityCounts.Should().BeApproximately(2 * variance.EntityCounts!.Value, 1e-6);
        pooled.Release.DifferentialPrivacy.NoiseVariance.SeqevalCounts.Should().BeApproximately(2 * variance.SeqevalCounts!.Value, 1e-6);
    }

    private static int Count(RecordingNoise noise, double variance) =>
        noise.Variances.Count(v => v >= variance && v < variance * (1 + 1e-6));

    /// <summary>Squared L2 distances of the sections' released count vectors (zero noise): outcomes, seqeval, reports, types matched alone.</summary>
    private static double[] SquaredDistances(ResultDocument a, ResultDocument b)
    {
        static long[] Seqeval(ResultDocument d) => [.. Types.SelectMany(t => new[] { d.Seqeval!.PerType[t].Tp, d.Seqeval.PerType[t].Fp, d.Seqeval.PerType[t].Fn })];
        static long[] Reports(ResultDocument d) =>
            [d.NDocuments, .. d.InputSummary.Skipped.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => k.Value), d.EntityClipping!.ReportsClipped];
        return
        [
            Squared(PrivateNerResults.Read(a, Types).Outcomes.Cells(), PrivateNerResults.Read(b, Types).Outcomes.Cells()),
            Squared(Seqeval(a), Seqeval(b)),
            Squared(Reports(a), Reports(b)),
            Squared(PrivateNerResults.Read(a, Types).ByType!.Cells(), PrivateNerResults.Read(b, Types).ByType!.Cells()),
        ];
    }

    private static double Squared(long[] a, long[] b)
    {
        a.Should().HaveSameCount(b);
        return a.Zip(b).Sum(p => (double)(p.First - p.Second) * (p.First - p.Second));
    }

    private static ResultDocument Release(IReadOnlyList<NerReport> reports)
    {
        var site = new NerSite();
        foreach (var report in reports)
        {
            site.Add(report);
        }

        // Under the minimum size rule a 25-line dataset is refused; the sensitivity is the private rule's own.
        return DisclosureControl.Apply(site.Result(), Private with { MinDatasetDocuments = 1 }, new RecordingNoise(0));
    }

    /// <summary>One line: a report's gold entities and predicted entities (positions), or a line skipped as <paramref name="Skipped"/>.</summary>
    private sealed record NerReport(NerEntity[] Gold, NerEntity[] Predicted, string? Skipped);

    /// <summary>A site's reports, counted by <see cref="NerStatistics"/> under the policy's bound (m = 2) unless told otherwise.</summary>
    private sealed class NerSite(
        int? maxEntitiesPerReport = 2,
        int? maxWordsPerReport = DifferentialPrivacyPolicy.DefaultMaxWordsPerReport,
        string matching = NerMatching.Default,
        NerEdsNlpOptions? edsNlp = null)
    {
        private static readonly (int, int)[] Tokens = [.. Words.Select(w => (w.Start, w.End))];
        private readonly NerStatistics _statistics = new(Types, maxEntitiesPerReport, maxWordsPerReport, matching) { EdsNlp = edsNlp };
        private readonly Dictionary<string, long> _skipped = [];
        private long _lines;

        public NerSite Exact(int type, int reports) => Add([new(0, 5, type)], [new(0, 5, type)], reports);

        public NerSite SameSpanOtherType(int gold, int predicted, int reports) => Add([new(0, 5, gold)], [new(0, 5, predicted)], reports);

        public NerSite OverlapSameType(int type, int reports) => Add([new(0, 5, type)], [new(0, 4, type)], reports);

        public NerSite OverlapOtherType(int gold, int predicted, int reports) => Add([new(0, 5, gold)], [new(0, 4, predicted)], reports);

        public NerSite Missed(int type, int reports) => Add([new(0, 5, type)], [], reports);

        public NerSite Spurious(int type, int reports) => Add([], [new(0, 5, type)], reports);

        /// <summary>Reports with <paramref name="entities"/> entities of one type, each found: more than m are clipped.</summary>
        public NerSite Many(int type, int entities, int reports)
        {
            NerEntity[] spans = [.. Enumerable.Range(0, entities).Select(i => new NerEntity(2 * i, (2 * i) + 1, type))];
            return Add(spans, spans, reports);
        }

        public void Add(NerReport report)
        {
            if (report.Skipped is { } kind)
            {
                _skipped[kind] = _skipped.GetValueOrDefault(kind) + 1;
                _lines++;
            }
            else
            {
                Add(report.Gold, report.Predicted, 1);
            }
        }

        public ResultDocument Result() => NerResults.Build(
            TaskTypes.TokenClassification,
            _statistics,
            new InputSummary { DocumentsRead = _lines, DocumentsEvaluated = _statistics.DocumentCount, Skipped = new Dictionary<string, long>(_skipped) });

        /// <summary>A line: one in ten skipped; else up to five gold and five predicted entities at random places and types.</summary>
        public static NerReport RandomReport(Random random) => random.Next(10) == 0
            ? new NerReport([], [], random.Next(2) == 0 ? "empty_text" : "overlapping_span")
            : new NerReport(Entities(random), Entities(random), null);

        private static NerEntity[] Entities(Random random)
        {
            var entities = new List<NerEntity>();
            var position = random.Next(3);
            while (entities.Count < 5 && position < Positions - 1)
            {
                var end = Math.Min(Positions, position + 1 + random.Next(3));
                entities.Add(new NerEntity(position, end, random.Next(Types.Length)));
                position = end + random.Next(3);
            }

            return [.. entities];
        }

        private NerSite Add(NerEntity[] gold, NerEntity[] predicted, int reports)
        {
            for (var d = 0; d < reports; d++)
            {
                _statistics.Add(gold, Words, Iob2.Encode(predicted, Positions), Tokens);
                _lines++;
            }

            return this;
        }
    }
}
