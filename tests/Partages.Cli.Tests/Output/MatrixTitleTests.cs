namespace Partages.Cli.Tests.Output;

/// <summary>
/// The pooled matrix of a multi-label evaluation is a label co-occurrence (a document counts in every pair of its
/// label sets), so the table, Markdown and CSV outputs name it so; a single-label one stays a confusion matrix.
/// Unit level: pooled documents built by the evaluation library, no processes.
/// </summary>
public sealed class MatrixTitleTests
{
    private static readonly string[] Labels = ["BLSE", "SARM"];

    [Test]
    public void Table_MultiLabelEvaluation_TitlesTheMatrixAsLabelCooccurrence()
    {
        var output = TableText.Write(MultiLabelEvaluation());

        output.Should().Contain("Pooled label co-occurrence").And.Contain("subset accuracy");
        output.Should().NotContain("confusion matrix");
    }

    [Test]
    public void Table_SingleLabelEvaluation_KeepsTheConfusionMatrixTitle()
    {
        var output = TableText.Write(SingleLabelEvaluation());

        output.Should().Contain("Pooled confusion matrix");
        output.Should().NotContain("co-occurrence");
    }

    [Test]
    public void Markdown_MultiLabelEvaluation_HeadsTheMatrixAsLabelCooccurrenceWithItsCells()
    {
        var markdown = ResultFormats.Markdown(MultiLabelEvaluation());

        markdown.Should().Contain("## Pooled label co-occurrence").And.NotContain("confusion matrix");
        markdown.Should().Contain("rows do not sum to documents");
        // Pooled over both sites: gold BLSE with predicted BLSE (2) and SARM (1); gold SARM with predicted SARM (1).
        markdown.Should().Contain("| BLSE | 2 | 1 |").And.Contain("| SARM | 0 | 1 |");
    }

    [Test]
    public void Markdown_SingleLabelEvaluation_KeepsTheConfusionMatrixHeading()
    {
        ResultFormats.Markdown(SingleLabelEvaluation()).Should().Contain("## Pooled confusion matrix").And.NotContain("co-occurrence");
    }

    [Test]
    public void Csv_MultiLabelEvaluation_NamesMatrixCellsCooccurrence()
    {
        var rows = ResultFormats.Csv(MultiLabelEvaluation()).Split('\n');

        rows.Should().Contain("pooled,cooccurrence,BLSE,SARM,1");
        rows.Should().NotContain(r => r.Contains(",confusion,", StringComparison.Ordinal));
    }

    [Test]
    public void Csv_SingleLabelEvaluation_NamesMatrixCellsConfusion()
    {
        var rows = ResultFormats.Csv(SingleLabelEvaluation()).Split('\n');

        rows.Should().Contain("pooled,confusion,BLSE,SARM,1");
    }

    private static EvaluationView MultiLabelEvaluation()
    {
        // Flags in Labels order (BLSE, SARM), gold then predicted.
        var a = new MultiLabelStatistics(Labels);
        a.Add([true, false], [true, true]);  // gold BLSE, predicted BLSE and SARM: cells (BLSE, BLSE) and (BLSE, SARM)
        a.Add([false, true], [false, true]); // gold SARM, predicted SARM: cell (SARM, SARM)
        var b = new MultiLabelStatistics(Labels);
        b.Add([true, false], [true, false]); // gold BLSE, predicted BLSE: cell (BLSE, BLSE)
        var task = TaskTypes.MultiLabelClassification;
        return Evaluation(PooledResultDocument.Pool(
            task,
            Labels,
            new Dictionary<string, ResultDocument>
            {
                ["site-a"] = MultiLabelResults.Build(task, 0.5, a, new InputSummary { DocumentsRead = 2, DocumentsEvaluated = 2 }),
                ["site-b"] = MultiLabelResults.Build(task, 0.5, b, new InputSummary { DocumentsRead = 1, DocumentsEvaluated = 1 }),
            },
            []));
    }

    private static EvaluationView SingleLabelEvaluation()
    {
        var counts = new ClassificationCounts(Labels);
        counts.Add(0, 0);
        counts.Add(0, 1);
        var task = TaskTypes.SingleLabelClassification;
        var summary = new InputSummary { DocumentsRead = 2, DocumentsEvaluated = 2 };
        return Evaluation(PooledResultDocument.Pool(
            task,
            Labels,
            new Dictionary<string, ResultDocument> { ["site-a"] = ResultDocument.FromCounts(task, counts, summary) },
            []));
    }

    private static EvaluationView Evaluation(PooledResultDocument pooled) => new()
    {
        Id = "eval-1",
        Name = "amr",
        State = EvaluationState.Completed,
        PooledResultJson = ResultJson.Serialize(pooled),
    };
}
