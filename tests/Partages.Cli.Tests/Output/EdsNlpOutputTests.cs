using Partages.Evaluation.Tokenization;

namespace Partages.Cli.Tests.Output;

/// <summary>
/// EDS-NLP's metrics in the table, Markdown and CSV outputs: a site released exactly (figures alone) and one released
/// under differential privacy (each figure with its interval and ε, "not estimable" where the noise drowns it).
/// Unit level: documents built by the evaluation library, no processes.
/// </summary>
public sealed class EdsNlpOutputTests
{
    private static readonly string[] Types = ["BIOMARKER", "STATUS"];

    [Test]
    public void Table_EdsNlpMetrics_EachSiteWithItsFiguresIntervalsAndPrivacy()
    {
        var output = TableText.Write(Evaluation());

        output.Should().Contain("EDS-NLP metrics (micro)");
        output.Should().MatchRegex(@"exact-site\s*│\s*ner_exact\s*│\s*1\.000\s*│", "exact counts print the figure alone");
        output.Should().MatchRegex(@"dp-site\s*│\s*ner_overlap\s*│\s*0\.\d{3} \[0\.\d{3}, [01]\.\d{3}\]", "a noisy figure prints with its interval");
        output.Should().MatchRegex(@"dp-site\s*│\s*ner_token\s*│\s*not estimable", "a drowned denominator is not estimable, never 0 or 1");
        output.Should().Contain("DP ε 1");
    }

    [Test]
    public void Markdown_EdsNlpMetrics_HasItsSection()
    {
        var markdown = ResultFormats.Markdown(Evaluation());

        markdown.Should().Contain("## EDS-NLP metrics (micro)").And.MatchRegex(@"\| dp-site \| ner_exact \| 0\.\d{3} \[");
    }

    [Test]
    public void Csv_EdsNlpMetrics_FiguresAndIntervalsAsRows()
    {
        var rows = ResultFormats.Csv(Evaluation()).Split('\n');

        rows.Should().Contain("exact-site,ner_exact_f1,,,1");
        rows.Should().Contain(r => r.StartsWith("dp-site,ner_overlap_f1_ci_low,,,", StringComparison.Ordinal));
        rows.Should().Contain("dp-site,ner_token_precision,,,not estimable");
    }

    private static EvaluationView Evaluation()
    {
        // Exact site: one report, gold and predicted BIOMARKER on the same word.
        var words = Enumerable.Range(0, 10).Select(i => new NerWord(2 * i, (2 * i) + 1, i)).ToArray();
        var tokens = words.Select(w => (w.Start, w.End)).ToArray();
        var statistics = new NerStatistics(Types) { EdsNlp = new NerEdsNlpOptions(EdsNlpMetrics.All, 0.5) };
        statistics.Add([new NerEntity(0, 1, 0)], words, Iob2.Encode([new NerEntity(0, 1, 0)], words.Length), tokens);
        var exact = NerResults.Build(TaskTypes.TokenClassification, statistics, new InputSummary { DocumentsRead = 1, DocumentsEvaluated = 1 }) with { Release = new ReleaseSection() };

        // Noisy site: large span counts, ner_token drowned in the noise of its W-token bound.
        var variances = new NoiseVariances(4, null, null, EdsNlpExactCounts: 100, EdsNlpTokenCounts: 1e8, EdsNlpOverlapCounts: 100);
        var cells = new NoisyEdsNlpCounts(0.5, 500, new Dictionary<string, long[]>
        {
            [EdsNlpMetrics.Exact] = [900, 80, 120, 400, 60, 50],
            [EdsNlpMetrics.Token] = [2000, 300, 250, 900, 100, 120],
            [EdsNlpMetrics.Overlap] = [950, 30, 960, 60, 430, 30, 420, 30],
        });
        var dp = exact with
        {
            EdsNlp = PrivateEdsNlp.Section(Types, cells, variances),
            Release = ReleasedResults.DifferentialPrivacy(variances),
        };
        return FinishedEvaluation.Of("eval-1", "eds", ReleasedResults.Pooled(TaskTypes.TokenClassification, dp, ("dp-site", dp), ("exact-site", exact)));
    }
}
