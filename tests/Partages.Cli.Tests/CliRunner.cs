namespace Partages.Cli.Tests;

/// <summary>What one <c>partages</c> invocation printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}{Environment.NewLine}--- stdout ---{Environment.NewLine}{Output}--- stderr ---{Environment.NewLine}{Error}";
}

/// <summary>Runs the CLI through its real entry point, with a profile directory of its own and captured output.</summary>
public sealed class CliRunner(string configDirectory)
{
    public string ConfigDirectory { get; } = configDirectory;

    public async Task<CliResult> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await PartagesCli.InvokeAsync(args, CliContext.ForWriters(output, error, ConfigDirectory));
        return new CliResult(exit, output.ToString(), error.ToString());
    }
}
