using Partages.Evaluation.Quality;

namespace Partages.Evaluation.Tests.Quality;

public sealed class DatasetProfileTests
{
    private const string Pathology =
        "Compte rendu anatomopathologique. Biopsie bronchique droite. Carcinome non à petites cellules de type " +
        "adénocarcinome. Recherche de mutation EGFR : mutation de l'exon 19 détectée. ALK : réarrangement non " +
        "détecté. PD-L1 exprimé par 60 % des cellules tumorales. Conclusion : adénocarcinome pulmonaire EGFR muté.";

    [TestCase(0, 0)]
    [TestCase(1, 1)]
    [TestCase(2, 2)]
    [TestCase(3, 2)]
    [TestCase(4, 3)]
    [TestCase(131_071, 17)]
    [TestCase(131_072, 18)]
    [TestCase(10_000_000, 18)]
    public void BinOf_Lengths_PowerOfTwoBins(long length, int bin)
    {
        LengthHistogram.BinOf(length).Should().Be(bin);
        LengthHistogram.LowerEdges[bin].Should().BeLessThanOrEqualTo(Math.Max(length, 0));
    }

    [Test]
    public void Divergence_SameDistributionDifferentTotals_Zero()
    {
        JensenShannon.Divergence([1, 2, 3], [10, 20, 30])!.Value.Should().BeApproximately(0, 1e-15);
    }

    [Test]
    public void Divergence_DisjointSupports_One()
    {
        JensenShannon.Divergence([5, 0], [0, 7])!.Value.Should().BeApproximately(1, 1e-15);
    }

    [Test]
    public void Divergence_NoisyNegativeCounts_ProjectedOntoTheSimplexFirst()
    {
        // (−2, 4, 4) projects to (0, ½, ½); against (½, ½, 0): M = (¼, ½, ¼), JS = ½·KL(p‖M) + ½·KL(q‖M) = ½.
        JensenShannon.Divergence([-2, 4, 4], [1, 1, 0])!.Value.Should().BeApproximately(0.5, 1e-15);
        JensenShannon.Divergence([-1, -3], [1, 1]).Should().BeNull("nothing positive is left to compare");
    }

    [Test]
    public void NearDuplicates_OneWordChangedInALongReport_Found()
    {
        var nearDuplicates = new NearDuplicates();

        nearDuplicates.Add(Pathology).Should().BeFalse();
        nearDuplicates.Add(Pathology.Replace("60 %", "70 %", StringComparison.Ordinal)).Should().BeTrue();
        nearDuplicates.Add("Examen cytobactériologique des urines : Escherichia coli productrice de BLSE, 10^5 UFC/mL.").Should().BeFalse();

        nearDuplicates.Count.Should().Be(1);
    }

    [Test]
    public void NearDuplicates_AccentsAndCaseOnly_SameSignature()
    {
        NearDuplicates.Similarity(NearDuplicates.Signature(Pathology), NearDuplicates.Signature(Pathology.ToUpperInvariant()))
            .Should().Be(1.0);
    }

    [Test]
    public void Add_ReportWithSeveralProblems_CountedUnderEachKind()
    {
        var profile = new DatasetProfile();

        profile.Add(new QcDocument("EGFR : non mute\u0301.\r\nALK : muté\u0007", ["EGFR_muté"], []) { ReaderFindings = [QcFindings.Bom] });
        profile.Add(new QcDocument("   ", [], []));
        profile.Add(new QcDocument("Culture positive.", ["BLSE", "BLSE"], [new QcEntity(0, 7, "EXAMEN"), new QcEntity(5, 16, "RESULTAT"), new QcEntity(8, 99, "X")]));
        profile.Add(new QcDocument("Culture positive.", ["BLSE"], []));

        profile.Documents.Should().Be(4);
        profile.Findings.Should().BeEquivalentTo(new Dictionary<string, long>
        {
            [QcFindings.Bom] = 1,
            [QcFindings.CrLf] = 1,
            [QcFindings.Nfd] = 1,
            [QcFindings.NfcAndNfdInOneReport] = 1,
            [QcFindings.ControlCharacters] = 1,
            [QcFindings.Empty] = 1,
            [QcFindings.NoGold] = 1,
            [QcFindings.EntityOutOfRange] = 1,
            [QcFindings.OverlappingEntities] = 1,
            [QcFindings.ExactDuplicate] = 1,
        });
        profile.Labels.Should().BeEquivalentTo(new Dictionary<string, long> { ["EGFR_muté"] = 1, ["BLSE"] = 2 });
        profile.EntityTypes.Should().HaveCount(3);
        profile.Characters.Total.Should().Be(4);
        profile.Words.Counts[0].Should().Be(1, "the blank report has no word");
    }
}
