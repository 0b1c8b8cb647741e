using System.Text.RegularExpressions;

namespace Partages.ModelKit.Tests.Synthetic;

public sealed partial class OncologyReportGeneratorTests
{
    private static readonly string[] s_biomarkerSurfaces = ["HER2", "HER-2", "EGFR", "KRAS", "ALK", "PD-L1", "PDL1"];

    private static IEnumerable<OncologyReport> AllReports() =>
        SyntheticHospitals.All.SelectMany(p => OncologyReportGenerator.Generate(p, p.OncologyCount, seed: 20260101));

    [Test]
    public void Generate_Entities_AreExactSubstringsOfKnownTypes()
    {
        foreach (var report in AllReports())
        {
            report.Entities.Should().NotBeEmpty(because: $"{report.Id} reports at least one biomarker");
            foreach (var entity in report.Entities)
            {
                entity.Start.Should().BeGreaterThanOrEqualTo(0);
                entity.End.Should().BeGreaterThan(entity.Start).And.BeLessThanOrEqualTo(report.Text.Length);
                var span = report.Text[entity.Start..entity.End];
                span.Should().Be(span.Trim(), because: $"{report.Id}: spans carry no surrounding blanks");
                if (entity.Label == OncologyLabels.BiomarkerEntity)
                {
                    s_biomarkerSurfaces.Should().Contain(span);
                }
                else
                {
                    entity.Label.Should().Be(OncologyLabels.StatusEntity);
                }
            }
        }
    }

    [Test]
    public void Generate_EveryBiomarkerMention_IsAnnotated()
    {
        foreach (var report in AllReports())
        {
            var annotated = report.Entities
                .Where(e => e.Label == OncologyLabels.BiomarkerEntity)
                .Select(e => (e.Start, e.End))
                .ToHashSet();
            foreach (Match mention in BiomarkerMention().Matches(report.Text))
            {
                annotated.Should().Contain((mention.Index, mention.Index + mention.Length), because: $"{report.Id} mentions {mention.Value} at {mention.Index}");
            }
        }
    }

    [Test]
    public void Generate_Label_IsBackedByAPositiveFinding()
    {
        var reports = AllReports().ToList();

        reports.Select(r => r.Label).Should().OnlyContain(label => OncologyLabels.All.Contains(label));
        reports.Select(r => r.Label).Distinct().Should().HaveCountGreaterThan(4, because: "every hospital mixes several cancers");
        foreach (var report in reports.Where(r => r.Label != OncologyLabels.Negative))
        {
            var mentioned = report.Entities
                .Where(e => e.Label == OncologyLabels.BiomarkerEntity)
                .Select(e => report.Text[e.Start..e.End].Replace("-", string.Empty, StringComparison.Ordinal));
            mentioned.Should().Contain(report.Label.Replace("-", string.Empty, StringComparison.Ordinal));
        }
    }

    [Test]
    public void Generate_Qualifiers_NegatedAndHypotheticalResultsAndCodedBiomarkers()
    {
        var reports = OncologyReportGenerator.Generate(SyntheticHospitals.ChuValmont, 300, seed: 5);
        var entities = reports.SelectMany(r => r.Entities.Select(e => (Text: r.Text[e.Start..e.End], Entity: e))).ToList();

        entities.Where(e => e.Entity.Negated).Should().NotBeEmpty().And.OnlyContain(e => e.Entity.Label == OncologyLabels.StatusEntity && OncologyCodes.IsNegated(e.Text));
        entities.Where(e => e.Entity.Hypothetical).Should().NotBeEmpty().And.OnlyContain(e => e.Text.Contains("2+"));
        entities.Where(e => e.Entity.Label == OncologyLabels.BiomarkerEntity).Should().OnlyContain(e => OncologyCodes.All.Contains(e.Entity.Code));
        entities.Select(e => e.Entity.Code).Distinct().Count().Should().BeGreaterThan(3, "several tumours' morphologies");
    }

    [Test]
    public void Generate_SameSeed_ProducesIdenticalBytes()
    {
        var first = Jsonl.ToBytes(OncologyReportGenerator.Generate(SyntheticHospitals.ChSaintAubin, 80, seed: 9));
        var second = Jsonl.ToBytes(OncologyReportGenerator.Generate(SyntheticHospitals.ChSaintAubin, 80, seed: 9));

        second.Should().Equal(first);
    }

    [Test]
    public void Generate_Texts_HoldNoSurrogatePairs()
    {
        // Offsets are UTF-16 indices; without surrogates they are code point indices too, as Python reads them.
        AllReports().Should().OnlyContain(r => !r.Text.Any(char.IsSurrogate));
    }

    [GeneratedRegex(@"(?<![\w-])(HER-?2|EGFR|KRAS|ALK|PD-?L1)(?![\w-])")]
    private static partial Regex BiomarkerMention();
}
