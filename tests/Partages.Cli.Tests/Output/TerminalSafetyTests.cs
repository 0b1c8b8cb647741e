namespace Partages.Cli.Tests.Output;

/// <summary>
/// What a coordinator sends (evaluation, site and label names, reasons, notes) reaches the evaluator's terminal and
/// Markdown reports escaped: no ANSI escape, carriage return, bell or bidi override passes, no raw HTML, no '|' or line
/// break that ends a Markdown table cell. Unit level: hostile documents built by hand, as a rogue coordinator would.
/// </summary>
public sealed class TerminalSafetyTests
{
    private const string Clear = "\u001b[2J\u001b[H";
    private static readonly string[] Raw = ["\u001b", "\r", "\u0007", "\u202e", "\u009b"];

    [Test]
    public void Table_NamesReasonsAndLabelsWithEscapes_ShownEscaped()
    {
        var output = TableText.Write(HostileEvaluation());

        output.Should().NotContainAny(Raw);
        output.Should().Contain("amr\\x1b[2J\\x1b[H").And.Contain("site-\\x1b[31m").And.Contain("\\x07bell");
        output.Should().Contain("[red]not markup[/]", "brackets from outside are text, not Spectre markup");
    }

    [Test]
    public void Markdown_HtmlAndTableBreakersInNames_EscapedAndRowsKeepTheirCells()
    {
        var markdown = ResultFormats.Markdown(HostileEvaluation());

        markdown.Should().NotContainAny(Raw);
        markdown.Should().NotContain("<img").And.NotContain("<script");
        markdown.Should().Contain("&lt;img src=x onerror=alert(1)&gt;").And.Contain("&lt;script&gt;");
        markdown.Should().Contain("\\| injected \\| cells");
        markdown.Should().Contain("\\[click\\](https://evil.example)");
        markdown.Should().Contain("(`ev_1'x`)", "a backtick cannot close the id's code span");
        foreach (var row in markdown.Split('\n').Where(l => l.StartsWith("| site", StringComparison.Ordinal) || l.StartsWith("| **pooled**", StringComparison.Ordinal)))
        {
            CellsOf(row).Should().Be(CellsOf(markdown.Split('\n').First(l => l.StartsWith("| site |", StringComparison.Ordinal))), row);
        }
    }

    [Test]
    public void LineProgress_NodeNameAndReasonWithEscapes_OneEscapedLine()
    {
        using var output = new StringWriter();
        var snapshot = new EvaluationView { Id = "ev_1", Name = "amr" };
        snapshot.Runs.Add(new Run { Id = "r1", NodeName = "site\u202ea", State = RunState.Failed, Reason = Clear + "ok\rfake line\nsite-b: succeeded" });

        new LineRunProgress(output).Update(snapshot);

        var text = output.ToString();
        text.Should().NotContainAny(Raw);
        text.TrimEnd('\n').Should().NotContain("\n", "a reason cannot fake another progress line");
        text.Should().Contain("site\\u202ea: failed — \\x1b[2J\\x1b[Hok\\rfake line\\nsite-b: succeeded");
    }

    [Test]
    public void Describe_CoordinatorErrorWithEscapes_EscapedButSpecErrorLinesKept()
    {
        var error = new RpcException(new Grpc.Core.Status(StatusCode.InvalidArgument, "line 1: name\u001b[31m\nline 2: task\u0007"));

        var (code, message) = CommandRunner.Describe(error);

        code.Should().Be(ExitCodes.BadInput);
        message.Should().Be("line 1: name\\x1b[31m\nline 2: task\\x07");
    }

    [Test]
    public void Guard_WriterForTheProcessOutput_EscapesWhatPassesExceptLineBreaks()
    {
        using var inner = new StringWriter();
        var guarded = Partages.Contracts.TerminalText.Guard(inner);

        guarded.Write("a\u001b[2Jb\r");
        guarded.Write("\nc\rd\te");
        guarded.WriteLine("\u2066f");
        guarded.Flush();

        inner.ToString().Should().Be("a\\x1b[2Jb\r\nc\\rd\te\\u2066f" + Environment.NewLine);
    }

    private static int CellsOf(string row) => row.Replace("\\|", "", StringComparison.Ordinal).Count(c => c == '|');

    private static EvaluationView HostileEvaluation()
    {
        string[] labels = ["BLSE", "SARM\u0007bell"];
        var counts = new ClassificationCounts(labels);
        counts.Add(0, 0);
        counts.Add(1, 0);
        var task = TaskTypes.SingleLabelClassification;
        var summary = new InputSummary { DocumentsRead = 2, DocumentsEvaluated = 2 };
        var pooled = PooledResultDocument.Pool(
            task,
            labels,
            new Dictionary<string, ResultDocument>
            {
                ["site-\u001b[31m<img src=x onerror=alert(1)>| injected | cells\r\n[click](https://evil.example)"] = ResultDocument.FromCounts(task, counts, summary),
            },
            [new MissingSite("site-gone\u009b2J", "<script>alert(1)</script>\u202e [red]not markup[/]")]);
        var evaluation = new EvaluationView
        {
            Id = "ev_1`x",
            Name = "amr" + Clear,
            State = EvaluationState.Completed,
            PooledResultJson = ResultJson.Serialize(pooled),
        };
        evaluation.Runs.Add(new Run { Id = "r2", NodeName = "site-gone\u009b2J", State = RunState.Failed, Reason = "\u0007bell" });
        return evaluation;
    }
}
