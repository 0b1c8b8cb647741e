using Partages.Evaluation.Privacy;
using Partages.Evaluation.Quality;
using Partages.Evaluation.Tasks;
using Partages.Evaluation.Tasks.DatasetQc;

namespace Partages.Cli.Tests.Output;

/// <summary>
/// A dataset QC evaluation in the table and Markdown outputs: the sites side by side (shares per bin as bars), the
/// findings, each site's divergence from the pool with its interval, the agreement. Unit level, no processes.
/// </summary>
public sealed class QcComparisonOutputTests
{
    private static readonly string[] Labels = ["BLSE", "SARM"];

    [Test]
    public void Table_DatasetQc_ShowsTheSitesSideBySideWithDivergenceAndAgreement()
    {
        var output = TableText.Write(Evaluation());

        output.Should().Contain("Length in words (share of reports)").And.Contain("█");
        output.Should().MatchRegex(@"site-b\s*│\s*0\.\d{3} \[0\.\d{3}, 0\.\d{3}\]", "each divergence prints with its interval");
        output.Should().Contain("Krippendorff's alpha").And.Contain("Cohen's kappa (per site only)");
        output.Should().Contain("Near-duplicate counts stay in each hospital's local report");
        output.Should().NotContain("macro F1", "no model ran: no metrics table");
    }

    [Test]
    public void Markdown_DatasetQc_HasTheComparisonSections()
    {
        var markdown = ResultFormats.Markdown(Evaluation());

        // Markdown cells escape brackets, as every table of this format does.
        markdown.Should().Contain(@"## Divergence from the pool: Jensen–Shannon \[95% CI\]").And.Contain("## Findings (reports per kind)");
        markdown.Should().MatchRegex(@"\| site-a \| 0\.\d{3} \\\[0\.\d{3}, ");
    }

    [Test]
    public void Table_DatasetQcWithABundle_ShowsPieceLengthsTheShareLongerThanTheWindowAndTheUnknownRate()
    {
        var output = TableText.Write(Evaluation(withPieces: true));

        output.Should().Contain("Length in model pieces (share of reports)");
        output.Should().Contain("Through the model's tokenizer").And.Contain("Reports longer than the window (share)");
        output.Should().MatchRegex(@"Unknown-piece rate\s*│\s*(\d+\.\d{2} % \[\d+\.\d{2} %, \d+\.\d{2} %\]|not estimable)", "a rate from noisy counts prints with its interval, or as not estimable");
        output.Should().Contain("the window is 16 pieces");
    }

    [Test]
    public void Markdown_DatasetQcWithABundle_HasTheTokenizerSection()
    {
        var markdown = ResultFormats.Markdown(Evaluation(withPieces: true));

        markdown.Should().Contain(@"## Through the model's tokenizer \[95% CI\]").And.Contain("| Model window (pieces) | 16 | 16 | 16 |");
    }

    [Test]
    public void Table_DatasetQcWithoutABundle_HasNoTokenizerRows()
    {
        TableText.Write(Evaluation()).Should().NotContain("Through the model's tokenizer");
    }

    private static EvaluationView Evaluation(bool withPieces = false)
    {
        var task = TaskRegistry.Get(DatasetQcTask.TaskName);
        var random = new Random(17);
        var sites = new Dictionary<string, ResultDocument>(StringComparer.Ordinal);
        foreach (var (site, words) in new[] { ("site-a", 20), ("site-b", 200) })
        {
            var counter = new DatasetQcCounter(DatasetQcAnnotation.Labels, Labels, ["label", "label_b"], null, withPieces ? (16, "[UNK]") : null);
            // A stand-in tokenizer: a piece per word, every seventh word unknown.
            var pieces = withPieces
                ? new PieceProfile(text => { var n = text.Split(' ').Length; return new PieceCount(n, Math.Min(n, 16) / 7); }, 16, "[UNK]")
                : null;
            var profile = new DatasetProfile { Counter = counter, Pieces = pieces };
            for (var i = 0; i < 60; i++)
            {
                var label = Labels[random.Next(2)];
                profile.Add(new QcDocument(string.Join(' ', Enumerable.Repeat("mot", words + random.Next(10))) + $" {i}", [label], [])
                {
                    LabelsByAnnotator = [label, i % 5 == 0 ? Labels[random.Next(2)] : label],
                });
            }

            var exact = DatasetQcResults.Build(task.Name, counter.Documents, counter.ToSection(), null);
            sites[site] = task.ReleasePrivate(exact, new PrivateRelease(0.5, 1e-6, 4, 512, [], new ConstantNoise(1)));
        }

        var pooled = PooledResultDocument.Pool(task.Name, Labels, sites, []);
        return FinishedEvaluation.Of("eval-qc", "amr-qc", pooled);
    }
}
