using Partages.Evaluation.Bundles;
using Partages.Evaluation.Metrics;
using Partages.Evaluation.Results;
using Partages.NodeAgent.Engine;
using Partages.NodeAgent.ReleaseGate;

namespace Partages.NodeAgent.Tests.ReleaseGate;

/// <summary>
/// The release gate on entity recognition results. Sites are built by the real counting code (nervaluate's schemes,
/// seqeval, the boundary matrix) from one-entity documents of ten positions, each of a known outcome.
/// </summary>
public sealed class NerDisclosureTests
{
    private const int B = 0, S = 1;
    private static readonly string[] Types = ["BIOMARKER", "STATUS"];
    private static readonly DisclosureRules K5 = new(MinCellCount: 5, MinDatasetDocuments: 20, Epsilon: null);

    [Test]
    public void Apply_OverlapOutcomeUnderK_ReleasedAsZeroInEverySchemeAndEveryRatioFromTheReleasedCounts()
    {
        var site = new NerSite().Exact(B, 40).Exact(S, 30).OverlapSameType(B, 3);

        var released = DisclosureControl.Apply(site.Result(), K5, new NoNoise());

        var schemes = released.Schemes!;
        schemes[NerSchemes.Strict].PerType["BIOMARKER"].Incorrect.Should().Be(0);
        schemes[NerSchemes.Exact].PerType["BIOMARKER"].Incorrect.Should().Be(0);
        schemes[NerSchemes.Partial].PerType["BIOMARKER"].Partial.Should().Be(0);
        schemes[NerSchemes.Type].PerType["BIOMARKER"].Correct.Should().Be(40, "type.correct − strict.correct would otherwise be the 3 overlaps");
        released.Release!.SuppressedCells.Should().Be(4, "the overlap outcome, seqeval's fp and fn of BIOMARKER and the wrong words were under k");
        released.NDocuments.Should().Be(73);
        foreach (var scheme in NerSchemes.All)
        {
            var section = schemes[scheme];
            foreach (var (_, metrics) in section.PerType)
            {
                metrics.Should().Be(NerSchemeMetrics.From(scheme, metrics.ToCounts()), "every ratio comes from the released counts");
            }

            section.Overall.Should().Be(NerSchemeMetrics.From(scheme, section.PerType.Values.Select(m => m.ToCounts()).Aggregate(new NerOutcomeCounts(), NerOutcomeCounts.Add)));
        }

        released.Seqeval!.PerType["BIOMARKER"].Should().Be(new ClassMetrics(1, 1, 1, 40, 40, 0, 0, 0));
        released.PerClass.Should().BeEquivalentTo(released.Seqeval.PerType);
        released.Seqeval.Words.Should().Be(released.Seqeval.WordsCorrect, "the 3 wrong words were suppressed, and words is the released sum");
        AllCounts(released).Should().OnlyContain(c => c == 0 || c >= 5);
    }

    [Test]
    public void Apply_SameSpanOtherTypeUnderK_SuppressedInTheBoundaryMatrixAndEveryScheme()
    {
        var site = new NerSite().Exact(B, 40).Exact(S, 30).SameSpanOtherType(B, S, 2);

        var released = DisclosureControl.Apply(site.Result(), K5, new NoNoise());

        released.ConfusionMatrix.Matrix.Should().BeEquivalentTo(new long[][] { [40, 0], [0, 30] }, o => o.WithStrictOrdering());
        var schemes = released.Schemes!;
        schemes[NerSchemes.Exact].PerType["BIOMARKER"].Correct.Should().Be(40, "exact.correct − strict.correct would otherwise be the 2 type errors");
        schemes[NerSchemes.Partial].PerType["BIOMARKER"].Correct.Should().Be(40);
        schemes[NerSchemes.Strict].PerType["BIOMARKER"].Incorrect.Should().Be(0);
        schemes[NerSchemes.Type].PerType["BIOMARKER"].Incorrect.Should().Be(0);
        released.Release!.WithheldSections.Should().BeEmpty("k hid the same 2 entities from the schemes' and seqeval's totals");
    }

    [Test]
    public void Apply_SeveralSmallOutcomesAddingUpToKOrMore_EachStillSuppressed()
    {
        // strict.incorrect of BIOMARKER is 3 + 4 = 7 ≥ k, but releasing 7 would give away exact.correct − strict.correct.
        var site = new NerSite().Exact(B, 40).Exact(S, 30).SameSpanOtherType(B, S, 3).OverlapSameType(B, 4);

        var released = DisclosureControl.Apply(site.Result(), K5, new NoNoise());

        released.Schemes![NerSchemes.Strict].PerType["BIOMARKER"].Incorrect.Should().Be(0);
        released.Schemes[NerSchemes.Strict].Overall.Possible.Should().Be(70);
    }

    [Test]
    public void Apply_OutcomesAtKOrMore_ReleasedExactly()
    {
        var site = new NerSite().Exact(B, 40).Exact(S, 30).OverlapSameType(B, 6).Missed(S, 5).Spurious(B, 7);
        var exact = site.Result();

        var released = DisclosureControl.Apply(exact, K5, new NoNoise());

        released.Schemes.Should().BeEquivalentTo(exact.Schemes);
        released.Seqeval.Should().BeEquivalentTo(exact.Seqeval);
        released.Release!.SuppressedCells.Should().Be(0);
    }

    [Test]
    public void Apply_KHidesMoreFromSeqevalThanFromTheSchemes_SchemesWithheldWithReason()
    {
        // Words and characters disagree (e.g. gold spans ending inside a word): seqeval finds 3 of the 6 entities the
        // schemes call missed. k hides seqeval's fn of 3 but not the schemes' 6, so possible − support would show the 3.
        var site = new NerSite().Exact(B, 40).Exact(S, 30).Missed(S, 6);
        var exact = site.Result();
        var seqeval = NerResults.ReadSeqeval(exact, Types);
        seqeval.Set(S, 30 + 3, 0, 3);
        var result = exact with { Seqeval = NerResults.Build(exact.Task, exact.NDocuments, NerResults.ReadSchemes(exact, Types), seqeval, exact.ToCounts(), exact.InputSummary).Seqeval };

        var released = DisclosureControl.Apply(result, K5, new NoNoise());

        released.Schemes.Should().BeNull();
        released.Release!.WithheldSections.Should().ContainSingle(w => w.Section == "schemes").Which.Reason.Should().Contain("seqeval");
        released.Seqeval!.PerType["STATUS"].Fn.Should().Be(0);
    }

    [Test]
    public void Apply_UnderDifferentialPrivacy_RefusedNotReleasedWithNoiseForOneEntity()
    {
        var site = new NerSite().Exact(B, 40).Exact(S, 30);

        var act = () => DisclosureControl.Apply(site.Result(), K5 with { Epsilon = 1 }, new NoNoise());

        act.Should().Throw<EvaluationRefusedException>().WithMessage("*differential privacy*entities*");
    }

    [Test]
    public void Apply_SchemesBreakingAnIdentity_RefusedNamingTheIdentityWithoutCounts()
    {
        var exact = new NerSite().Exact(B, 40).Exact(S, 30).Result();
        var tampered = exact.Schemes!.ToDictionary(p => p.Key, p => p.Value);
        var strict = tampered[NerSchemes.Strict];
        tampered[NerSchemes.Strict] = strict with { PerType = new Dictionary<string, NerSchemeMetrics>(strict.PerType) { ["STATUS"] = strict.PerType["STATUS"] with { Missed = 2 } } };

        var act = () => DisclosureControl.Apply(exact with { Schemes = tampered }, K5, new NoNoise());

        act.Should().Throw<EvaluationRefusedException>().WithMessage("*STATUS*missed and spurious*").Which.Message.Should().NotContainAny("30", "40");
    }

    [Test]
    public void Apply_SkippedKindUnderK_RemovedAndDocumentsReadFromTheReleasedCounts()
    {
        var exact = new NerSite().Exact(B, 40).Exact(S, 30).Result();
        var result = exact with
        {
            InputSummary = new InputSummary { DocumentsEvaluated = 70, DocumentsRead = 79, Skipped = new Dictionary<string, long> { ["overlapping_span"] = 2, ["unknown_label"] = 7 } },
        };

        var released = DisclosureControl.Apply(result, K5, new NoNoise());

        released.InputSummary.Skipped.Should().Equal(new Dictionary<string, long> { ["unknown_label"] = 7 });
        released.InputSummary.DocumentsRead.Should().Be(77);
        released.Release!.SuppressedCells.Should().Be(1);
    }

    [Test]
    public void Apply_ReleasedResult_SerializesWithSchemesAndSeqevalAndPoolsOnTheCoordinator()
    {
        var released = DisclosureControl.Apply(new NerSite().Exact(B, 40).Exact(S, 30).Missed(S, 6).Result(), K5, new NoNoise());

        var json = ResultJson.Serialize(released);
        var pooled = PooledResultDocument.Pool(TaskTypes.TokenClassification, Types, new Dictionary<string, ResultDocument> { ["a"] = ResultJson.DeserializeSite(json) }, []);

        json.Should().Contain("\"schemes\": {").And.Contain("\"seqeval\": {");
        pooled.Pooled!.Schemes![NerSchemes.Strict].PerType["STATUS"].Missed.Should().Be(6);
    }

    [Test]
    public void Apply_RandomSites_EveryReleasedCountZeroOrAtLeastKAndTheReleaseIsConsistentWithItself()
    {
        var random = new Random(31);
        var (releasedWithSuppression, withheld) = (0, 0);
        for (var trial = 0; trial < 200; trial++)
        {
            var k = random.Next(2, 8);
            var site = new NerSite();
            for (var d = 0; d < 20 + random.Next(60); d++)
            {
                site.Random(random);
            }

            var released = DisclosureControl.Apply(site.Result(), K5 with { MinCellCount = k }, new NoNoise());

            var counts = released.Schemes is null ? released.ConfusionMatrix.Matrix.SelectMany(r => r) : AllCounts(released);
            counts.Should().OnlyContain(c => c == 0 || c >= k, $"trial {trial}, k {k}");
            if (released.Schemes is not null)
            {
                // The released document satisfies every identity the gate checks, and nothing in it is under k: the
                // gate releases it unchanged (so no released figure contradicts another).
                var again = DisclosureControl.Apply(released, K5 with { MinCellCount = k }, new NoNoise());
                again.Schemes.Should().BeEquivalentTo(released.Schemes, $"trial {trial}");
                again.Seqeval.Should().BeEquivalentTo(released.Seqeval);
                again.Release!.SuppressedCells.Should().Be(0);
                releasedWithSuppression += released.Release!.SuppressedCells > 0 ? 1 : 0;
            }
            else
            {
                withheld++;
            }
        }

        releasedWithSuppression.Should().BePositive("some trials must exercise suppression with the schemes released");
        withheld.Should().BePositive("some trials must exercise the cross-section rule");
    }

    private static IEnumerable<long> AllCounts(ResultDocument document) =>
        document.ConfusionMatrix.Matrix.SelectMany(r => r)
            .Concat(document.Schemes!.Values.SelectMany(s => s.PerType.Values.Append(s.Overall)).SelectMany(m => new[] { m.Correct, m.Incorrect, m.Partial, m.Missed, m.Spurious, m.Possible, m.Actual }))
            .Concat(document.Seqeval!.PerType.Values.SelectMany(m => new[] { m.Tp, m.Fp, m.Fn, m.Support }))
            .Append(document.Seqeval.Words).Append(document.Seqeval.WordsCorrect).Append(document.Seqeval.Words - document.Seqeval.WordsCorrect);

    /// <summary>A site's documents, each one entity pattern over ten positions that serve as characters and as words.</summary>
    private sealed class NerSite
    {
        private readonly NerSchemeCounts _schemes = new(Types);
        private readonly SeqevalCounts _seqeval = new(Types);
        private readonly ClassificationCounts _boundaries = new(Types);
        private long _documents;

        public NerSite Exact(int type, int documents) => Add([new(0, 5, type)], [new(0, 5, type)], documents);

        public NerSite SameSpanOtherType(int gold, int predicted, int documents) => Add([new(0, 5, gold)], [new(0, 5, predicted)], documents);

        public NerSite OverlapSameType(int type, int documents) => Add([new(0, 5, type)], [new(0, 4, type)], documents);

        public NerSite Missed(int type, int documents) => Add([new(0, 5, type)], [], documents);

        public NerSite Spurious(int type, int documents) => Add([], [new(0, 5, type)], documents);

        /// <summary>A document of up to three gold and three predicted entities at random places and types on ten positions.</summary>
        public NerSite Random(Random random) => Add(Entities(random), Entities(random), 1);

        public ResultDocument Result() => NerResults.Build(
            TaskTypes.TokenClassification, _documents, _schemes, _seqeval, _boundaries, new InputSummary { DocumentsRead = _documents, DocumentsEvaluated = _documents });

        private static NerEntity[] Entities(Random random)
        {
            var entities = new List<NerEntity>();
            var position = random.Next(3);
            while (entities.Count < 3 && position < 9)
            {
                var end = Math.Min(10, position + 1 + random.Next(3));
                entities.Add(new NerEntity(position, end, random.Next(Types.Length)));
                position = end + random.Next(3);
            }

            return [.. entities];
        }

        private NerSite Add(NerEntity[] gold, NerEntity[] predicted, int documents)
        {
            for (var d = 0; d < documents; d++)
            {
                _schemes.Add(gold, predicted);
                _seqeval.Add(Iob2.Encode(gold, 10), Iob2.Encode(predicted, 10));
                foreach (var g in gold)
                {
                    foreach (var p in predicted.Where(g.SameBoundaries))
                    {
                        _boundaries.Add(g.Type, p.Type);
                    }
                }

                _documents++;
            }

            return this;
        }
    }

    private sealed class NoNoise : ICountNoise
    {
        public long Sample(Partages.Evaluation.Privacy.Rational sigmaSquared) => 0;
    }
}
