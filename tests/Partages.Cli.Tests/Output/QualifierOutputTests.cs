namespace Partages.Cli.Tests.Output;

/// <summary>
/// span_attribute, normalisation and ner_fragments in the table, Markdown and CSV outputs: a site released exactly
/// (figures alone, AP from its histograms) and one under differential privacy (intervals and ε, no AP).
/// </summary>
public sealed class QualifierOutputTests
{
    private static readonly string[] Types = ["BIOMARKER", "STATUS"];
    private static readonly NerQualifierSchema Schema = new([new NerAttribute("Negation", ["false", "true"], "false")], "ICD-O-3", ["8140/3", "8500/3"]);

    [Test]
    public void Table_QualifierMetrics_EachSiteWithItsFiguresIntervalsAndPrivacy()
    {
        var output = TableText.Write(Evaluation());

        output.Should().Contain("Attributes, codes and fragments");
        output.Should().MatchRegex(@"exact-site\s*│\s*span_attribute\s*│\s*Negation=true\s*│\s*P 1\.000, R 0\.500, F1 0\.667, AP 0\.500");
        output.Should().MatchRegex(@"dp-site\s*│\s*span_attribute\s*│\s*Negation=true\s*│\s*P 0\.\d{3} \[0\.\d{3}, [01]\.\d{3}\]");
        output.Should().Contain("AP not released under DP");
        output.Should().MatchRegex(@"exact-site\s*│\s*normalisation \(ICD-O-3\)\s*│\s*BIOMARKER\s*│\s*accuracy 1\.000 of 1");
        output.Should().MatchRegex(@"exact-site\s*│\s*ner_fragments\s*│\s*BIOMARKER\s*│\s*every fragment not estimable of 0", "no discontinuous entity: not estimable, never 0 or 1");
    }

    [Test]
    public void Markdown_QualifierMetrics_HasItsSection()
    {
        var markdown = ResultFormats.Markdown(Evaluation());

        markdown.Should().Contain("## Attributes, codes and fragments (on matched spans)").And.MatchRegex(@"\| dp-site \| span_attribute \| Negation=true \| P 0\.\d{3} \[");
    }

    [Test]
    public void Csv_QualifierMetrics_FiguresAndIntervalsAsRows()
    {
        var rows = ResultFormats.Csv(Evaluation()).Split('\n');

        rows.Should().Contain("exact-site,span_attribute_f1,Negation=true,,0.6666666666666666");
        rows.Should().Contain("exact-site,span_attribute_ap,micro,,0.5");
        rows.Should().Contain("exact-site,normalisation_accuracy,,,1");
        rows.Should().Contain(r => r.StartsWith("dp-site,span_attribute_f1_ci_low,Negation=true,,", StringComparison.Ordinal));
        rows.Should().Contain("dp-site,span_attribute_ap,micro,,not estimable");
    }

    private static EvaluationView Evaluation()
    {
        // Exact site: two matched STATUS spans negated in gold, one found (probability bin 19); one coded BIOMARKER.
        var counts = new NerQualifierCounts(Types, Schema);
        counts.Tp[0] = 1;
        counts.Fn[0] = 1;
        counts.TpBins[0][19] = 1;
        counts.CodesCorrect[0] = 1;
        var exact = new ResultDocument
        {
            Task = TaskTypes.TokenClassification,
            NDocuments = 2,
            ConfusionMatrix = new ConfusionMatrixDto(Types, [[0, 0], [0, 0]]),
            PerClass = new Dictionary<string, ClassMetrics>(),
            Micro = new AveragedMetrics(null, null, null),
            Macro = new AveragedMetrics(null, null, null),
            Weighted = new AveragedMetrics(null, null, null),
            Accuracy = null,
            InputSummary = new InputSummary { DocumentsRead = 2, DocumentsEvaluated = 2 },
            SpanQualifiers = QualifierResults.Section(counts, QualifierMetrics.All),
            Release = new ReleaseSection(),
        };

        var variances = new NoiseVariances(4, null, null, SpanAttributeCounts: 100, NormalisationCounts: 100, FragmentCounts: 100);
        var noisy = new NoisyQualifierCounts(Schema, new Dictionary<string, long[]>
        {
            [QualifierMetrics.SpanAttribute] = [800, 90, 60],
            [QualifierMetrics.Normalisation] = [700, 40, 0, 3],
        });
        var dp = exact with
        {
            SpanQualifiers = PrivateQualifiers.Section(Types, noisy, variances),
            Release = ReleasedResults.DifferentialPrivacy(variances),
        };
        return FinishedEvaluation.Of("eval-1", "qualifiers", ReleasedResults.Pooled(TaskTypes.TokenClassification, dp, ("dp-site", dp), ("exact-site", exact)));
    }
}
