namespace Partages.Cli.Tests.Output;

/// <summary>What <see cref="ResultsTable"/> prints for an evaluation, as plain text (no ANSI codes, no colours).</summary>
internal static class TableText
{
    public static string Write(EvaluationView evaluation)
    {
        using var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(writer),
        });
        // Wide enough that Spectre neither wraps the titles nor the columns.
        console.Profile.Width = 400;
        ResultsTable.Write(console, evaluation);
        return writer.ToString();
    }
}
