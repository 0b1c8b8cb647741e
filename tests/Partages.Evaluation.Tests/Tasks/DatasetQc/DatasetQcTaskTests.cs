using Partages.Evaluation.Metrics.Agreement;
using Partages.Evaluation.Quality;
using Partages.Evaluation.Tasks.DatasetQc;

namespace Partages.Evaluation.Tests.Tasks.DatasetQc;

public sealed class DatasetQcTaskTests
{
    private static readonly string[] Labels = ["sensible", "BLSE", "SARM"];
    private static readonly TaskType Task = TaskRegistry.Get(DatasetQcTask.TaskName);

    [Test]
    public void ToSection_LabelsWithTwoAnnotators_CountsLengthsCategoriesFindingsAndAgreement()
    {
        var (profile, counter) = Profile(DatasetQcAnnotation.Labels, ["a", "b"]);
        profile.Add(Labelled("BLSE positive", ["BLSE"], "BLSE", "BLSE"));
        profile.Add(Labelled("souche sensible", ["sensible"], "sensible", "SARM"));
        profile.Add(Labelled("souche sensible", ["inconnu"], "inconnu", null));
        profile.Add(Labelled("", [], null, null));
        profile.AddUnreadable(DatasetQcFindings.MalformedLine);

        var section = counter.ToSection();

        counter.Documents.Should().Be(5);
        section.Categories.Should().Equal("sensible", "BLSE", "SARM", DatasetQcCategories.Other, DatasetQcCategories.None);
        section.CategoryCounts.Should().Equal(1, 1, 0, 1, 1);
        section.CharacterLengths.Sum().Should().Be(4, "the unreadable line has no length");
        section.CharacterLengths[LengthHistogram.BinOf(13)].Should().Be(3, "13 and 15 code points share the 8–15 bin");
        section.WordLengths[LengthHistogram.BinOf(2)].Should().Be(3);
        section.Findings[QcFindings.ExactDuplicate].Should().Be(1);
        section.Findings[QcFindings.Empty].Should().Be(1);
        section.Findings[DatasetQcFindings.MalformedLine].Should().Be(1);
        section.Findings.Keys.Should().BeEquivalentTo(DatasetQcFindings.Released);
        section.Findings.Should().NotContainKey(QcFindings.NearDuplicate);
        section.Agreement!.CohenTable![1][1].Should().Be(1);
        section.Agreement.CohenTable[0][2].Should().Be(1);
        section.Agreement.CoincidencePairs!["2"].SelectMany(r => r).Sum().Should().Be(4, "two documents labelled twice, two ordered pairs each");
        section.Sensitivity.Keys.Should().BeEquivalentTo(
            [DatasetQcFigures.CharacterLengths, DatasetQcFigures.WordLengths, DatasetQcFigures.Categories, DatasetQcFigures.Findings, DatasetQcFigures.Coincidences, DatasetQcFigures.Cohen]);
        section.Sensitivity[DatasetQcFigures.Coincidences].L2Squared.Should().Be(8);
    }

    [Test]
    public void Derive_ExactCounts_AlphaIsTheCoincidenceMatrixAlphaAndKappaIsCohens()
    {
        var (profile, counter) = Profile(DatasetQcAnnotation.Labels, ["a", "b"]);
        var pairs = new (string A, string B)[] { ("BLSE", "BLSE"), ("BLSE", "SARM"), ("SARM", "SARM"), ("sensible", "sensible"), ("sensible", "BLSE"), ("SARM", "SARM") };
        var expectedAlpha = new CoincidenceMatrix(4);
        var expectedCohen = new RaterPairTable(4);
        var index = new Dictionary<string, int> { ["sensible"] = 0, ["BLSE"] = 1, ["SARM"] = 2 };
        foreach (var (a, b) in pairs)
        {
            profile.Add(Labelled($"{a} {b} {profile.Documents}", [a], a, b));
            expectedAlpha.AddUnit([index[a], index[b]]);
            expectedCohen.Add(index[a], index[b]);
        }

        var result = DatasetQcResults.Build(Task.Name, counter.Documents, counter.ToSection(), release: null);

        result.DatasetQc!.Agreement!.Alpha!.Value.Should().BeApproximately(expectedAlpha.Alpha()!.Value, 1e-12);
        result.DatasetQc.Agreement.CohenKappa!.Value.Should().BeApproximately(expectedCohen.CohenKappa()!.Value, 1e-12);
        result.DatasetQc.Agreement.CohenKappa.Interval.Should().NotBeNull();
    }

    [Test]
    public void Pool_SitesSplitAtRandom_EqualsTheCountsOfTheUnion([Values(1, 2, 3, 4, 5)] int seed)
    {
        var random = new Random(seed);
        var annotators = new[] { "a", "b", "c" };
        var (unionProfile, union) = Profile(DatasetQcAnnotation.Labels, annotators);
        var sites = Enumerable.Range(0, 3).Select(_ => Profile(DatasetQcAnnotation.Labels, annotators)).ToList();
        var labelsPool = Labels.Append("autre").ToArray();
        for (var i = 0; i < 120; i++)
        {
            // Unique texts: exact duplicates are found within a site, so a duplicate across sites is not one in the sum.
            var text = string.Join(' ', Enumerable.Repeat("mot", random.Next(0, 40))) + $" {i}";
            string? Pick() => random.Next(5) == 0 ? null : labelsPool[random.Next(labelsPool.Length)];
            var document = Labelled(text, random.Next(4) == 0 ? [] : [labelsPool[random.Next(labelsPool.Length)]], Pick(), Pick(), Pick());
            unionProfile.Add(document);
            sites[random.Next(3)].Profile.Add(document);
        }

        var siteResults = sites.Select((s, i) => KeyValuePair.Create($"site-{i}", DatasetQcResults.Build(Task.Name, s.Counter.Documents, s.Counter.ToSection(), null))).ToList();
        var pooled = Task.Pool(Labels, siteResults).Pooled!;
        var expected = union.ToSection();

        pooled.NDocuments.Should().Be(union.Documents);
        var section = pooled.DatasetQc!;
        section.CharacterLengths.Should().Equal(expected.CharacterLengths);
        section.WordLengths.Should().Equal(expected.WordLengths);
        section.CategoryCounts.Should().Equal(expected.CategoryCounts);
        section.Findings.Should().Equal(expected.Findings);
        section.Agreement!.CoincidencePairs!.Keys.Should().Equal(expected.Agreement!.CoincidencePairs!.Keys);
        foreach (var size in expected.Agreement.CoincidencePairs.Keys)
        {
            section.Agreement.CoincidencePairs[size].Should().BeEquivalentTo(expected.Agreement.CoincidencePairs[size], o => o.WithStrictOrdering());
        }

        section.Agreement.Alpha!.Value.Should().BeApproximately(
            DatasetQcResults.Build(Task.Name, union.Documents, expected, null).DatasetQc!.Agreement!.Alpha!.Value!.Value, 1e-12);
    }

    [Test]
    public void Pool_TwoAnnotatorSites_CohenTableStaysPerSiteAndIsNamedOmitted()
    {
        var sites = Enumerable.Range(0, 2).Select(i =>
        {
            var (profile, counter) = Profile(DatasetQcAnnotation.Labels, ["a", "b"]);
            profile.Add(Labelled($"texte {i}", ["BLSE"], "BLSE", "SARM"));
            return KeyValuePair.Create($"site-{i}", DatasetQcResults.Build(Task.Name, counter.Documents, counter.ToSection(), null));
        }).ToList();

        var pooled = Task.Pool(Labels, sites);

        pooled.Pooled!.DatasetQc!.Agreement!.CohenTable.Should().BeNull();
        pooled.Pooled.DatasetQc.Agreement.CohenKappa.Should().BeNull();
        pooled.Omitted.Should().ContainSingle(o => o.Section == "dataset_qc.agreement.cohen_table");
    }

    [Test]
    public void Pool_EntitySites_EntityPairCountsAddUp()
    {
        var results = Enumerable.Range(0, 3).Select(i =>
        {
            var (profile, counter) = Profile(DatasetQcAnnotation.Entities, ["a", "b"]);
            profile.Add(WithEntities($"HER2 score 3+ {i}", [new QcEntity(0, 4, "BLSE")], [new QcEntity(0, 4, "BLSE"), new QcEntity(5, 10, "SARM")]));
            profile.Add(WithEntities($"EGFR muté {i}", [new QcEntity(0, 4, "SARM")], [new QcEntity(0, 6, "SARM")]));
            return KeyValuePair.Create($"site-{i}", DatasetQcResults.Build(Task.Name, counter.Documents, counter.ToSection(), null));
        }).ToList();

        var pooled = Task.Pool(Labels, results).Pooled!.DatasetQc!;

        var sarm = pooled.Agreement!.EntityPairs!.Single(p => p.Type == "SARM");
        (sarm.FirstEntities, sarm.SecondEntities, sarm.StrictMatches, sarm.PartialMatches).Should().Be((3L, 6L, 0L, 3L));
        sarm.PartialF1!.Value.Should().BeApproximately(2.0 * 3 / 9, 1e-12);
        sarm.StrictF1!.Value.Should().Be(0);
        var blse = pooled.Agreement.EntityPairs!.Single(p => p.Type == "BLSE");
        blse.StrictF1!.Value.Should().Be(1);
    }

    [Test]
    public void ReleasePrivate_EveryFigure_IsNoisedWithItsStatedSensitivity()
    {
        var (profile, counter) = Profile(DatasetQcAnnotation.Labels, ["a", "b"]);
        for (var i = 0; i < 50; i++)
        {
            profile.Add(Labelled($"compte rendu {i}", [Labels[i % 3]], Labels[i % 3], Labels[(i / 2) % 3]));
        }

        var exact = DatasetQcResults.Build(Task.Name, counter.Documents, counter.ToSection(), null);
        var noise = new ConstantNoise(3);

        var released = Task.ReleasePrivate(exact, new PrivateRelease(0.5, 1e-6, 4, 512, [], noise));

        var section = released.DatasetQc!;
        section.NoiseVariance!.Keys.Should().BeEquivalentTo(section.Sensitivity.Keys);
        foreach (var (figure, sensitivity) in section.Sensitivity)
        {
            // ρ split equally over the figures: σ² = Δ₂² / (2ρ/k), rounded up.
            section.NoiseVariance[figure].Should().BeApproximately(sensitivity.L2Squared!.Value / (2 * 0.5 / section.Sensitivity.Count), 1e-6);
        }

        section.CharacterLengths.Should().Equal(exact.DatasetQc!.CharacterLengths.Select(c => c + 3));
        section.Findings.Values.Should().OnlyContain(v => v >= 3);
        section.Agreement!.CohenTable![0][0].Should().Be(exact.DatasetQc.Agreement!.CohenTable![0][0] + 3);
        section.Agreement.Alpha!.Interval.Should().NotBeNull("a figure from noisy counts carries an interval including the noise");
        released.Release!.DifferentialPrivacy!.Rho.Should().Be(0.5);
        released.NDocuments.Should().Be(50);
        Task.CheckSections(released, Labels, noisy: true);
    }

    [Test]
    public void ReleasePrivate_EntitiesNotClippedToThePolicy_IsRefused()
    {
        var (profile, counter) = Profile(DatasetQcAnnotation.Entities, [], clip: null);
        profile.Add(new QcDocument("HER2", [], [new QcEntity(0, 4, "BLSE")]));
        var exact = DatasetQcResults.Build(Task.Name, counter.Documents, counter.ToSection(), null);

        var act = () => Task.ReleasePrivate(exact, new PrivateRelease(0.5, 1e-6, 4, 512, [], new ConstantNoise(0)));

        act.Should().Throw<ReleaseRefusedException>().WithMessage("*clipped to no bound*4 entities per report*");
    }

    [Test]
    public void ReleasePrivate_EntitiesClipped_EntityCountsAreAtMostTheClipPerReport()
    {
        var (profile, counter) = Profile(DatasetQcAnnotation.Entities, [], clip: 2);
        profile.Add(new QcDocument("a b c d e", [], [.. Enumerable.Range(0, 5).Select(i => new QcEntity(i * 2, i * 2 + 1, "BLSE"))]));

        var section = counter.ToSection();

        section.CategoryCounts[1].Should().Be(2);
        section.Sensitivity[DatasetQcFigures.Categories].L2Squared.Should().Be(4 * 2 * 2);
        Task.ReleasePrivate(DatasetQcResults.Build(Task.Name, 1, section, null), new PrivateRelease(0.5, 1e-6, 2, 512, [], new ConstantNoise(0)))
            .DatasetQc!.MaxEntitiesPerReport.Should().Be(2);
    }

    [Test]
    public void ReleaseExact_HistogramAboveTheDocuments_IsRefused()
    {
        var (profile, counter) = Profile(DatasetQcAnnotation.Labels, []);
        profile.Add(Labelled("texte", ["BLSE"], null, null));
        var tampered = DatasetQcResults.Build(Task.Name, 0, counter.ToSection(), null);

        var act = () => Task.ReleaseExact(tampered);

        act.Should().Throw<ReleaseRefusedException>().WithMessage("*histograms*n_documents*");
    }

    [Test]
    public void CheckSections_SensitivityMissing_IsRefusedAtIntake()
    {
        var (profile, counter) = Profile(DatasetQcAnnotation.Labels, []);
        profile.Add(Labelled("texte", ["BLSE"], null, null));
        var result = DatasetQcResults.Build(Task.Name, 1, counter.ToSection() with { Sensitivity = new Dictionary<string, QcSensitivity>() }, null);

        var act = () => Task.CheckSections(result, Labels, noisy: false);

        act.Should().Throw<InvalidDataException>().WithMessage("*sensitivity*");
    }

    [Test]
    public void Counter_OneAnnotator_IsRefused()
    {
        var act = () => new DatasetQcCounter(DatasetQcAnnotation.Labels, Labels, ["a"], null);

        act.Should().Throw<ArgumentException>().WithMessage("*at least two annotators*'a'*");
    }

    private static (DatasetProfile Profile, DatasetQcCounter Counter) Profile(string annotation, IReadOnlyList<string> annotators, int? clip = null)
    {
        var counter = new DatasetQcCounter(annotation, Labels, annotators, clip);
        return (new DatasetProfile { Counter = counter }, counter);
    }

    private static QcDocument Labelled(string text, string[] labels, params string?[] byAnnotator) =>
        new(text, labels, []) { LabelsByAnnotator = byAnnotator };

    private static QcDocument WithEntities(string text, IReadOnlyList<QcEntity> first, IReadOnlyList<QcEntity> second) =>
        new(text, [], first) { EntitiesByAnnotator = [first, second] };
}
