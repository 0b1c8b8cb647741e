using Partages.Evaluation.Robustness;
using Partages.Evaluation.Tasks.SingleLabel;

namespace Partages.Evaluation.Tests.Robustness;

/// <summary>The robustness suite: spec rules, pooling equal to the union's, the release gate's exact and private rules.</summary>
public sealed class RobustnessSuiteTests
{
    private static readonly string[] Labels = ["a", "b", "c"];

    private const string Head = "version: 1\nname: s\ntask: single_label_classification\ndataset: d\nlabels: [a, b, c]\n";

    [Test]
    public void Parse_SuiteWithSeeds_ReadsEveryPerturbation()
    {
        var parsed = SpecParser.Parse(Head + "robustness:\n  - perturbation: typos\n    parameters: { rate: 0.05 }\n    seed: 42\n  - perturbation: remove_accents\n    seed: -3\n");

        parsed.IsValid.Should().BeTrue(parsed.Describe());
        parsed.Spec!.Robustness.Select(r => (r.Name, r.Seed)).Should().Equal(("typos(rate=0.05)", 42L), ("remove_accents", -3L));
    }

    [Test]
    public void Serialize_SpecWithSuite_TravelsToTheWorkerAndRebuildsTheSamePerturbation()
    {
        var spec = SpecParser.Parse(Head + "robustness:\n  - perturbation: abbreviations\n    parameters: { direction: contract }\n    seed: 9\n").Spec!;

        var json = System.Text.Json.JsonSerializer.Serialize(spec, ResultJson.Options);
        var back = System.Text.Json.JsonSerializer.Deserialize<EvaluationSpec>(json, ResultJson.Options)!;

        back.Robustness.Should().ContainSingle().Which.Should().Match<RobustnessCheck>(r => r.Name == "abbreviations(contract, table=1)" && r.Seed == 9);
    }

    [TestCase("  - perturbation: blur\n    seed: 1\n", "'blur' is not a perturbation (valid: remove_accents")]
    [TestCase("  - perturbation: typos\n    parameters: { rate: 0.05 }\n", "'seed' is required")]
    [TestCase("  - perturbation: typos\n    seed: 1\n", "typos: 'rate' is required")]
    [TestCase("  - perturbation: case\n    parameters: { to: title }\n    seed: 1\n", "to must be upper or lower")]
    [TestCase("  - perturbation: join_lines\n    seed: 1\n  - perturbation: join_lines\n    seed: 2\n", "'join_lines' is listed twice")]
    [TestCase("  - perturbation: join_lines\n    seed: x\n", "seed must be a whole number")]
    public void Parse_BadSuite_RefusedWithTheReasonAndLine(string items, string expected)
    {
        var parsed = SpecParser.Parse(Head + "robustness:\n" + items);

        parsed.IsValid.Should().BeFalse();
        parsed.Errors.Should().Contain(e => e.Message.Contains(expected, StringComparison.Ordinal) && e.Line >= 6 && e.Field.StartsWith("robustness", StringComparison.Ordinal));
    }

    [Test]
    public void Read_TaskWithoutSuites_RefusedNamingTheTasksThatHaveThem()
    {
        var errors = new List<YamlError>();
        var yaml = new YamlDotNet.RepresentationModel.YamlStream();
        yaml.Load(new StringReader("- perturbation: join_lines\n  seed: 1\n"));

        RobustnessSpec.Read(yaml.Documents[0].RootNode, "no_suites", new NoSuites(), errors);

        errors.Should().ContainSingle().Which.Message.Should().Contain("does not apply to task 'no_suites'").And.Contain(SingleLabelTask.TaskName);
    }

    [Test]
    public void Pool_SitesSplitAtRandom_PooledSuiteEqualsTheUnions()
    {
        var random = new Random(5);
        for (var trial = 0; trial < 40; trial++)
        {
            var documents = Enumerable.Range(0, random.Next(1, 60))
                .Select(_ => (Gold: random.Next(3), Clean: random.Next(3), Perturbed: random.Next(3), Site: random.Next(3), Changed: random.Next(2) == 0))
                .ToList();
            var sites = Enumerable.Range(0, 3)
                .Select(s => KeyValuePair.Create($"site-{s}", Site(documents.Where(d => d.Site == s).ToList())))
                .ToList();

            var pooled = PooledResultDocument.Pool(SingleLabelTask.TaskName, Labels, sites.ToDictionary(s => s.Key, s => s.Value), []);

            var union = Site(documents);
            (pooled.OmittedSections ?? []).Should().NotContain(o => o.Section == RobustnessResults.SectionName);
            ResultJson.Serialize(pooled.Pooled!).Should().Contain("\"robustness\"");
            Strip(pooled.Pooled!.Robustness!).Should().BeEquivalentTo(Strip(union.Robustness!), o => o.WithStrictOrdering(), $"trial {trial}");
        }
    }

    [Test]
    public void Pool_SiteWithoutTheSuite_SectionOmittedWithTheReason()
    {
        var with = Site([(0, 0, 1, 0, true)]);
        var without = with with { Robustness = null };

        var pooled = PooledResultDocument.Pool(SingleLabelTask.TaskName, Labels, new Dictionary<string, ResultDocument> { ["x"] = with, ["y"] = without }, []);

        pooled.Pooled!.Robustness.Should().BeNull();
        pooled.OmittedSections.Should().ContainSingle(o => o.Section == RobustnessResults.SectionName);
    }

    [Test]
    public void Private_SuiteOfTwo_EachPartGetsItsShareAndTheTopStatesTheWhole()
    {
        var result = Site([(0, 0, 1, 0, true), (1, 1, 1, 0, false), (2, 2, 0, 0, true)]);
        result = result with { Robustness = new RobustnessSection([result.Robustness!.Perturbations[0], result.Robustness.Perturbations[0] with { Perturbation = "other" }]) };
        var policy = new PrivateRelease(0.3, 1e-6, 4, 512, [], new ConstantNoise(0));

        var released = RobustnessRelease.Private(TaskRegistry.Get(SingleLabelTask.TaskName), result, policy);

        released.Release!.DifferentialPrivacy!.Rho.Should().Be(0.3);
        var share = 0.3 / 3;
        var perturbation = released.Robustness!.Perturbations[0];
        perturbation.Result.Release!.DifferentialPrivacy!.Rho.Should().BeApproximately(share * 0.8, 1e-15);
        // Paired counts: Δ₂² = 2 on a half of the perturbation's remaining 0.2 share.
        perturbation.Paired.NoiseVariance.Should().BeApproximately(Zcdp.SigmaSquaredFor(share * 0.2 / 2, 2), 1e-6);
        perturbation.Paired.McNemar!.PValueInterval.Should().NotBeNull("a p-value from noisy counts carries its interval");
        perturbation.Paired.CleanOnly.Should().Be(2, "zero noise leaves the two discordant documents");
    }

    [Test]
    public void Check_PerturbationsNotTheSpecs_Refused()
    {
        var result = Site([(0, 0, 1, 0, true)]);
        var spec = new[] { new RobustnessCheck("join_lines", new Dictionary<string, string>(), 1) };

        var check = () => RobustnessResults.Check(result, TaskRegistry.Get(SingleLabelTask.TaskName), Labels, noisy: false, spec);

        check.Should().Throw<InvalidDataException>().WithMessage("*not the spec's [join_lines]*");
    }

    [Test]
    public void Rows_ExactSuite_EachSiteThenPooledWithChangesAndP()
    {
        var site = Site([(0, 0, 1, 0, true), (1, 1, 1, 0, false), (2, 2, 0, 0, true)]);
        var pooled = PooledResultDocument.Pool(SingleLabelTask.TaskName, Labels, new Dictionary<string, ResultDocument> { ["b"] = site, ["a"] = site }, []);

        var rows = RobustnessRows.From(pooled);

        rows.Select(r => r.Site).Should().Equal("a", "b", "pooled");
        rows[2].Should().BeEquivalentTo(new
        {
            Perturbation = "typos(rate=0.1)",
            Reports = "4 / 2",
            Accuracy = "1.000 → 0.333 (Δ -0.667)",
            Discordant = "4 / 0 documents",
            McNemarP = "0.125",
        });
    }

    /// <summary>A site's result (<see cref="RobustnessSamples.Site"/>); the documents' site is for splitting them.</summary>
    private static ResultDocument Site(IReadOnlyList<(int Gold, int Clean, int Perturbed, int Site, bool Changed)> documents) =>
        RobustnessSamples.Site(Labels, [.. documents.Select(d => (d.Gold, d.Clean, d.Perturbed, d.Changed))]);

    /// <summary>The suite without the per-class intervals, which pooling rebuilds from the same counts.</summary>
    private static object Strip(RobustnessSection section) => section.Perturbations.Select(p => new
    {
        p.Perturbation,
        p.Seed,
        p.ReportsChanged,
        p.ReportsUnchanged,
        p.Paired,
        p.Change,
        Matrix = p.Result.ConfusionMatrix.Matrix,
        p.Result.Accuracy,
        p.Result.Macro,
    }).ToList();

    private sealed class NoSuites : TaskType
    {
        public override string Name => "no_suites";

        public override PooledSections Pool(IReadOnlyList<string> labels, IReadOnlyList<KeyValuePair<string, ResultDocument>> sites) => throw new NotSupportedException();

        public override ResultDocument MergeSegments(IReadOnlyList<string> labels, IReadOnlyList<ResultDocument> segments) => throw new NotSupportedException();

        public override ResultDocument ReleaseExact(ResultDocument result) => throw new NotSupportedException();

        public override ResultDocument ReleasePrivate(ResultDocument result, PrivateRelease release) => throw new NotSupportedException();
    }
}
