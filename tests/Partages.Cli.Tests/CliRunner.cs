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

    /// <summary>The environment the CLI sees (HTTPS_PROXY, NO_PROXY); null: the test process's.</summary>
    public Func<string, string?>? EnvironmentVariable { get; init; }

    public async Task<CliResult> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var context = CliContext.ForWriters(output, error, ConfigDirectory);
        var exit = await PartagesCli.InvokeAsync(args, EnvironmentVariable is null ? context : context with { EnvironmentVariable = EnvironmentVariable });
        return new CliResult(exit, output.ToString(), error.ToString());
    }
}
