using Partages.Evaluation.Tokenization;

namespace Partages.ModelKit.Tests.Synthetic;

/// <summary>The hospitals' writing habits and second annotators: modest, deterministic, gold carried along.</summary>
public sealed class WritingHabitsTests
{
    private const ulong Seed = 20260101;

    [Test]
    public void Apply_SaintAubinOncology_ShareWithoutAccentsAndEveryEntityStillCoversItsWords()
    {
        var profile = SyntheticHospitals.ChSaintAubin;
        var reports = OncologyReportGenerator.Generate(profile, 400, Seed);

        var written = profile.Habits.Apply(reports, profile, Seed);

        var folded = written.Count(r => !r.Text.Equals(reports.Single(o => o.Id == r.Id).Text, StringComparison.Ordinal));
        folded.Should().BeInRange(80, 200, "about 35 % of reports, only those with an accent to drop");
        foreach (var (before, after) in reports.Zip(written))
        {
            after.Entities.Should().HaveCount(before.Entities.Count, before.Id);
            foreach (var (a, b) in before.Entities.Zip(after.Entities))
            {
                var original = before.Text[a.Start..a.End];
                var now = after.Text[b.Start..b.End];
                now.Should().Match(n => n == original || n == AccentFolding.Fold(original), $"{before.Id}: '{original}' → '{now}'");
            }
        }
    }

    [Test]
    public void Apply_SameSeed_SameTextsAndValmontAbbreviates()
    {
        var profile = SyntheticHospitals.ChuValmont;
        var reports = OncologyReportGenerator.Generate(profile, 200, Seed);

        var first = profile.Habits.Apply(reports, profile, Seed);
        var second = profile.Habits.Apply(reports, profile, Seed);

        first.Select(r => r.Text).Should().Equal(second.Select(r => r.Text));
        first.Count(r => r.Text.Contains("IHC", StringComparison.Ordinal)).Should().BePositive("a share of Valmont's reports write IHC for immunohistochimie");
        first.Select(r => r.Label).Should().Equal(reports.Select(r => r.Label), "habits never touch the gold");
    }

    [Test]
    public void Apply_KerbracAmr_AShareInCapitalsOnly()
    {
        var profile = SyntheticHospitals.HopitalKerbrac;
        var reports = AmrReportGenerator.Generate(profile, 400, Seed);

        var written = profile.Habits.Apply(reports, profile, Seed);

        written.Count(r => r.Text == r.Text.ToUpperInvariant() && r.Text != reports.Single(o => o.Id == r.Id).Text).Should().BeInRange(80, 160, "30 % of 400");
    }

    [Test]
    public void Annotate_KerbracSecondAnnotator_DisagreesOnAboutItsShareOfLabelsAndEntities()
    {
        var profile = SyntheticHospitals.HopitalKerbrac;
        var amr = profile.SecondAnnotator!.Annotate(AmrReportGenerator.Generate(profile, 1000, Seed), profile, Seed);
        var oncology = profile.SecondAnnotator.Annotate(OncologyReportGenerator.Generate(profile, 300, Seed), profile, Seed);

        amr.Count(r => r.SecondLabel != r.Label).Should().BeInRange(100, 200, "15 % of 1,000");
        amr.Should().OnlyContain(r => AmrLabels.All.Contains(r.SecondLabel!));
        var entities = oncology.Sum(r => r.Entities.Count);
        var same = oncology.Sum(r => r.Entities.Intersect(r.SecondEntities!).Count());
        (1.0 - (double)same / entities).Should().BeInRange(0.10, 0.26, "8 % missed and 10 % changed");
        oncology.SelectMany(r => r.SecondEntities!.Select(e => (r.Text, e))).Should().OnlyContain(p => p.e.Start < p.e.End && p.e.End <= p.Text.Length);
    }

    [Test]
    public async Task EnsureBuiltAsync_DefaultAssets_DoubleAnnotatedJsonlAndTwoBratFolders()
    {
        var assets = await TestAssets.DefaultAsync();

        foreach (var hospital in assets.Hospitals)
        {
            var amr = await File.ReadAllLinesAsync(hospital.AmrPath);
            amr.Should().OnlyContain(line => line.Contains("\"label_b\":", StringComparison.Ordinal));
            (await File.ReadAllTextAsync(hospital.OncologyPath)).Should().Contain("\"entities_b\":[");
            var first = Directory.GetFiles(hospital.OncologyBratPath, "*.ann");
            var second = Directory.GetFiles(hospital.OncologyBratSecondPath, "*.ann");
            first.Should().HaveCount(hospital.OncologyCount);
            second.Select(Path.GetFileName).Should().BeEquivalentTo(first.Select(Path.GetFileName));
            Directory.GetFiles(hospital.OncologyBratPath, "*.txt").Should().HaveCount(hospital.OncologyCount);
        }

        var kerbrac = assets.Hospitals.Single(h => h.Slug == SyntheticHospitals.HopitalKerbrac.Slug);
        var differing = Directory.GetFiles(kerbrac.OncologyBratPath, "*.ann")
            .Count(path => File.ReadAllText(path) != File.ReadAllText(Path.Combine(kerbrac.OncologyBratSecondPath, Path.GetFileName(path))));
        differing.Should().BePositive("the second annotator disagrees on some reports");
    }
}
