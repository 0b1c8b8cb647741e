namespace Partages.Cli.Tests.Output;

public sealed class RunProgressTests
{
    [Test]
    public void LineRunProgress_DownloadThenRunning_EachCountWithItsUnit()
    {
        using var output = new StringWriter();
        var view = new LineRunProgress(output);

        view.Update(Snapshot(RunState.Downloading, 4096, 10_000, ProgressUnit.Bytes));
        view.Update(Snapshot(RunState.Running, 30, 120, ProgressUnit.Documents));

        output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries).Should().Equal(
            "site-a: downloading 4096/10000 bytes",
            "site-a: running 30/120 documents");
    }

    [Test]
    public void LineRunProgress_CoordinatorWithoutUnit_CountAlone()
    {
        using var output = new StringWriter();

        new LineRunProgress(output).Update(Snapshot(RunState.Running, 5, 10, ProgressUnit.Unspecified));

        output.ToString().Trim().Should().Be("site-a: running 5/10");
    }

    private static EvaluationView Snapshot(RunState state, long done, long total, ProgressUnit unit) => new()
    {
        Id = "ev_1",
        Runs = { new Run { Id = "run_1", NodeName = "site-a", State = state, Done = done, Total = total, ProgressUnit = unit } },
    };
}
