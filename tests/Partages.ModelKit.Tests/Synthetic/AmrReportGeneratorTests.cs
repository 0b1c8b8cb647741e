namespace Partages.ModelKit.Tests.Synthetic;

public sealed class AmrReportGeneratorTests
{
    [Test]
    public void Generate_SameSeed_ProducesIdenticalBytes()
    {
        foreach (var profile in SyntheticHospitals.All.Append(SyntheticHospitals.Training))
        {
            var first = Jsonl.ToBytes(AmrReportGenerator.Generate(profile, 120, seed: 42));
            var second = Jsonl.ToBytes(AmrReportGenerator.Generate(profile, 120, seed: 42));

            second.Should().Equal(first, because: $"{profile.Slug} must not depend on anything but its seed");
        }
    }

    [Test]
    public void Generate_DifferentSeed_ProducesDifferentReports()
    {
        var first = AmrReportGenerator.Generate(SyntheticHospitals.ChuValmont, 50, seed: 1);
        var second = AmrReportGenerator.Generate(SyntheticHospitals.ChuValmont, 50, seed: 2);

        second.Select(r => r.Text).Should().NotEqual(first.Select(r => r.Text));
    }

    [Test]
    public void Generate_Hospitals_DifferInLabelMixAndMeanLength()
    {
        var corpora = SyntheticHospitals.All.ToDictionary(
            profile => profile.Slug,
            profile => AmrReportGenerator.Generate(profile, profile.AmrCount, seed: 20260101));

        var slugs = corpora.Keys.ToList();
        for (var i = 0; i < slugs.Count; i++)
        {
            for (var j = i + 1; j < slugs.Count; j++)
            {
                var a = corpora[slugs[i]];
                var b = corpora[slugs[j]];
                TotalVariation(LabelShares(a), LabelShares(b)).Should().BeGreaterThan(0.05, because: $"{slugs[i]} and {slugs[j]} have different case mixes");
                var lengthRatio = a.Average(r => r.Text.Length) / b.Average(r => r.Text.Length);
                Math.Abs(Math.Log(lengthRatio)).Should().BeGreaterThan(Math.Log(1.3), because: $"{slugs[i]} and {slugs[j]} write reports of different lengths");
            }
        }
    }

    [Test]
    public void Generate_EveryLabel_AppearsInTrainingCorpus()
    {
        var training = AmrReportGenerator.Generate(SyntheticHospitals.Training, 2000, seed: 20260101);

        training.Select(r => r.Label).Distinct().Should().BeEquivalentTo(AmrLabels.All);
        training.Should().OnlyContain(r => r.Text.Length > 0 && !r.Text.Contains('\r'));
    }

    [Test]
    public void Generate_AllCorpora_IdsAreUnique()
    {
        var ids = SyntheticHospitals.All
            .SelectMany(p => AmrReportGenerator.Generate(p, p.AmrCount, seed: 20260101).Select(r => r.Id)
                .Concat(OncologyReportGenerator.Generate(p, p.OncologyCount, seed: 20260101).Select(r => r.Id)))
            .Concat(AmrReportGenerator.Generate(SyntheticHospitals.Training, 2000, seed: 20260101).Select(r => r.Id))
            .ToList();

        ids.Should().OnlyHaveUniqueItems();
        ids.Should().Contain("valmont-amr-000123");
    }

    private static Dictionary<string, double> LabelShares(IReadOnlyList<AmrReport> reports) =>
        AmrLabels.All.ToDictionary(label => label, label => (double)reports.Count(r => r.Label == label) / reports.Count);

    private static double TotalVariation(Dictionary<string, double> p, Dictionary<string, double> q) =>
        0.5 * p.Keys.Sum(label => Math.Abs(p[label] - q[label]));
}
