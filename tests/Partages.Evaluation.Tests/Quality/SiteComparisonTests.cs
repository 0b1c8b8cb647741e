using Partages.Evaluation.Quality;
using Partages.Evaluation.Tasks.DatasetQc;

namespace Partages.Evaluation.Tests.Quality;

public sealed class SiteComparisonTests
{
    [Test]
    public void Compare_ShiftedSite_DivergesMoreThanTheSitesThatLookAlikeAndEveryIntervalHoldsItsEstimate()
    {
        var sites = new[]
        {
            Site("a", [0, 0, 0, 0, 0, 10, 60, 30]),
            Site("b", [0, 0, 0, 0, 0, 12, 58, 30]),
            Site("c", [0, 0, 0, 40, 50, 10, 0, 0]),
        };

        var rows = SiteComparison.Compare(sites).Where(r => r.Figure == DatasetQcFigures.CharacterLengths).ToDictionary(r => r.Site);

        rows["c"].JensenShannon.Value.Should().BeGreaterThan(rows["a"].JensenShannon.Value!.Value, "the pool is two thirds the look-alike sites");
        rows["a"].JensenShannon.Value.Should().BeApproximately(rows["b"].JensenShannon.Value!.Value, 0.02);
        rows.Values.Should().OnlyContain(r => r.JensenShannon.Interval!.CiLow <= r.JensenShannon.Value && r.JensenShannon.Value <= r.JensenShannon.Interval.CiHigh);
        SiteComparison.Compare(sites).Should().BeEquivalentTo(SiteComparison.Compare(sites), "the simulation is seeded from the released counts");
    }

    [Test]
    public void Compare_NoisyCountsWithNegativeCells_ProjectsThemAndWidensTheIntervalWithTheNoise()
    {
        var exact = new[] { Site("a", [0, 0, 0, 0, 0, 10, 60, 30]), Site("b", [0, 0, 0, 0, 0, 30, 40, 30]) };
        var noisy = exact.Select(s => KeyValuePair.Create(s.Key, s.Value with
        {
            CharacterLengths = [.. s.Value.CharacterLengths.Select((c, i) => c + (i % 2 == 0 ? -3 : 3))],
            NoiseVariance = new Dictionary<string, double> { [DatasetQcFigures.CharacterLengths] = 400 },
        })).ToList();

        var width = (IReadOnlyList<KeyValuePair<string, DatasetQcSection>> sites) => SiteComparison.Compare(sites)
            .Where(r => r.Figure == DatasetQcFigures.CharacterLengths && r.Site == "a")
            .Select(r => r.JensenShannon.Interval!.CiHigh - r.JensenShannon.Interval.CiLow).Single();

        width(noisy).Should().BeGreaterThan(width(exact));
        SiteComparison.Compare(noisy).Should().OnlyContain(r => r.JensenShannon.Value >= 0 && r.JensenShannon.Value <= 1);
    }

    private static KeyValuePair<string, DatasetQcSection> Site(string name, long[] bins)
    {
        var lengths = bins.Concat(new long[19 - bins.Length]).ToArray();
        return KeyValuePair.Create(name, new DatasetQcSection
        {
            Annotation = DatasetQcAnnotation.Labels,
            Categories = DatasetQcCategories.For(DatasetQcAnnotation.Labels, ["x"]),
            CharacterLengths = lengths,
            WordLengths = lengths,
            CategoryCounts = [lengths.Sum(), 0, 0],
            Findings = new Dictionary<string, long>(),
            Sensitivity = new Dictionary<string, QcSensitivity>(),
        });
    }
}
