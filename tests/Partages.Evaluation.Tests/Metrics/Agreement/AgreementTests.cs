using Partages.Evaluation.Metrics.Agreement;

namespace Partages.Evaluation.Tests.Metrics.Agreement;

/// <summary>
/// Golden values from the reference implementations, computed once with scikit-learn 1.2.1 and statsmodels
/// 0.13.5 (Debian bookworm's python3-sklearn and python3-statsmodels) on the hand-made cases below, and from
/// Krippendorff's own worked example.
/// </summary>
public sealed class AgreementTests
{
    // Twelve documents, three labels: sklearn cohen_kappa_score(First, Second) = 0.5;
    // statsmodels cohens_kappa(table).std_kappa = 0.2014487458938929.
    private static readonly int[] First = [0, 0, 1, 1, 2, 2, 0, 1, 2, 2, 0, 1];
    private static readonly int[] Second = [0, 1, 1, 1, 2, 0, 0, 1, 2, 1, 0, 2];

    [Test]
    public void CohenKappa_HandWorkedTable_MatchesScikitLearnAndStatsmodels()
    {
        var table = PairTable(First, Second);

        var kappa = table.CohenKappa();

        kappa.Should().NotBeNull();
        kappa!.Value.Should().BeApproximately(0.5, 1e-12);
        kappa.Units.Should().Be(12);
        var standardError = (kappa.Interval!.Value.Upper - kappa.Value) / ConfidenceInterval.Z95;
        standardError.Should().BeApproximately(0.2014487458938929, 1e-12);
    }

    [Test]
    public void CohenKappa_BothAnnotatorsUseOneLabel_NotEstimable()
    {
        var table = PairTable([1, 1, 1], [1, 1, 1]);

        table.CohenKappa().Should().BeNull("chance agreement is total, so 1 − p_e is 0");
        new RaterPairTable(2).CohenKappa().Should().BeNull("no documents");
    }

    [Test]
    public void FleissKappa_ThreeAnnotatorsSixDocuments_MatchesStatsmodels()
    {
        // statsmodels fleiss_kappa(aggregate_raters(data, n_cat=3)[0], method="fleiss") = 0.4112149532710279
        int[][] data = [[0, 0, 0], [0, 1, 0], [1, 1, 2], [2, 2, 2], [0, 2, 1], [1, 1, 1]];
        var table = new FleissTable(categories: 3, annotatorsPerDocument: 3);
        foreach (var document in data)
        {
            table.AddDocument(document);
        }

        table.Kappa()!.Value.Should().BeApproximately(0.4112149532710279, 1e-12);
    }

    [Test]
    public void FleissKappa_DocumentWithTooFewLabels_RefusedWithReason()
    {
        var table = new FleissTable(categories: 3, annotatorsPerDocument: 3);

        var act = () => table.AddDocument([0, 1]);

        act.Should().Throw<ArgumentException>().WithMessage("*needs 3 labels*has 2*");
    }

    [Test]
    public void Alpha_KrippendorffWorkedExampleWithMissingValues_Is0743()
    {
        // Krippendorff (2011), "Computing Krippendorff's alpha-reliability", nominal example: four coders,
        // twelve units, missing values; α = 0.743 (0.743421052631579 to double precision).
        int?[][] coders =
        [
            [1, 2, 3, 3, 2, 1, 4, 1, 2, null, null, null],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, null, 3],
            [null, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, null],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, null],
        ];
        var matrix = new CoincidenceMatrix(categories: 5);
        for (var unit = 0; unit < 12; unit++)
        {
            matrix.AddUnit(coders.Select(coder => coder[unit]).OfType<int>().Select(value => value - 1).ToList());
        }

        matrix.Alpha()!.Value.Should().BeApproximately(0.743421052631579, 1e-12);
        matrix.PairableUnits.Should().Be(11);
        matrix.UnpairableUnits.Should().Be(1, "unit 12 has one value only");
    }

    [Test]
    public void Alpha_PooledFromRandomSites_EqualsAlphaOfTheUnion()
    {
        var random = new Random(20261207);
        for (var trial = 0; trial < 50; trial++)
        {
            var union = new CoincidenceMatrix(categories: 4);
            var pooled = new CoincidenceMatrix(categories: 4);
            for (var site = 0; site < random.Next(1, 5); site++)
            {
                var local = new CoincidenceMatrix(categories: 4);
                for (var unit = 0; unit < random.Next(0, 40); unit++)
                {
                    var labels = Enumerable.Range(0, random.Next(1, 5)).Select(_ => random.Next(4)).ToList();
                    local.AddUnit(labels);
                    union.AddUnit(labels);
                }

                pooled.Add(local);
            }

            pooled.PairableUnits.Should().Be(union.PairableUnits);
            pooled.Alpha()?.Value.Should().Be(union.Alpha()?.Value, "pair counts are integers, added exactly");
        }
    }

    [Test]
    public void Alpha_EveryValueTheSameLabel_NotEstimable()
    {
        var matrix = new CoincidenceMatrix(categories: 3);
        matrix.AddUnit([2, 2]);
        matrix.AddUnit([2, 2, 2]);

        matrix.Alpha().Should().BeNull();
    }

    [TestCase(7, 2, 0.1796875, 1.7777777777777777, 0.18242243945173198)]
    [TestCase(30, 18, 0.11140289106101878, 2.5208333333333335, 0.1123511976904641)]
    [TestCase(1, 0, 1.0, 0.0, 1.0)]
    public void McNemar_DiscordantCounts_MatchStatsmodels(long b, long c, double exactP, double statistic, double chiSquareP)
    {
        McNemar.ExactPValue(b, c).Should().BeApproximately(exactP, 1e-12);
        var chiSquare = McNemar.ChiSquare(b, c);
        chiSquare!.Value.Statistic.Should().BeApproximately(statistic, 1e-12);
        chiSquare.Value.PValue.Should().BeApproximately(chiSquareP, 1e-12);
    }

    [Test]
    public void McNemar_NoDiscordantPair_ExactIsOneAndChiSquareNotEstimable()
    {
        McNemar.ExactPValue(0, 0).Should().Be(1.0);
        McNemar.ChiSquare(0, 0).Should().BeNull("statsmodels divides 0 by 0 there");
    }

    [Test]
    public void McNemar_LargePooledCounts_MatchesStatsmodels()
    {
        // statsmodels mcnemar([[0, 500000], [501000, 0]], exact=True).pvalue = 0.31803654084033833; the log of the largest
        // term sums 500,000 logarithms, so agreement to about 1e-8 is what double precision allows here.
        McNemar.ExactPValue(500_000, 501_000).Should().BeApproximately(0.31803654084033833, 1e-7);
    }

    [TestCase(0.1, 0.8875370839817152)]
    [TestCase(0.5, 0.4795001221869535)]
    [TestCase(1.9, 0.007209570764742531)]
    [TestCase(2.0, 0.004677734981047266)]
    [TestCase(3.5, 7.430983723414129e-07)]
    [TestCase(6.0, 2.1519736712498913e-17)]
    public void Erfc_AgainstScipy_RelativeErrorBelow1e12(double x, double expected)
    {
        SpecialFunctions.Erfc(x).Should().BeApproximately(expected, expected * 1e-12);
        SpecialFunctions.Erfc(-x).Should().BeApproximately(2 - expected, 1e-12);
    }

    [Test]
    public void Compute_ThreeAnnotatorsOnEveryDocument_FleissKappaAsStatsmodelsAndNoCohen()
    {
        string[][] data = [["a", "a", "a"], ["a", "b", "a"], ["b", "b", "c"], ["c", "c", "c"], ["a", "c", "b"], ["b", "b", "b"]];
        var profile = new Partages.Evaluation.Quality.AgreementProfile(["x", "y", "z"]);
        foreach (var labels in data)
        {
            profile.Add(labels);
        }

        var summary = profile.Compute();

        summary.FleissKappa!.Value.Should().BeApproximately(0.4112149532710279, 1e-12);
        summary.CohenKappa.Should().BeNull();
        summary.Alpha.Should().NotBeNull();
        summary.DocumentsWithTwoLabels.Should().Be(6);
    }

    private static RaterPairTable PairTable(int[] first, int[] second)
    {
        var table = new RaterPairTable(categories: 3);
        for (var i = 0; i < first.Length; i++)
        {
            table.Add(first[i], second[i]);
        }

        return table;
    }
}
