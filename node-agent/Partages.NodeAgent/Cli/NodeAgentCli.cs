using System.CommandLine;
using Partages.Contracts;

namespace Partages.NodeAgent.Cli;

/// <summary>
/// The agent's command line: <c>enroll</c> once, <c>check</c> when in doubt, <c>run</c> for good, <c>health</c> for
/// the probes.
/// </summary>
public static class NodeAgentCli
{
    /// <param name="timeProvider">The clock <c>health</c> judges ages by and <c>check</c> compares with the coordinator's (tests pass their own); the system clock by default.</param>
    public static RootCommand CreateRootCommand(TimeProvider? timeProvider = null) =>
        new("Partages node agent: evaluates models on this hospital's data and sends back aggregates only.")
        {
            EnrollCommand.Create(),
            RunCommand.Create(),
            CheckCommand.Create(timeProvider),
            HealthCommand.Create(timeProvider ?? TimeProvider.System),
            JobsCommand.Create(),
            AuditCommand.Create(),
            EvaluateCommand.Create(),
            QcCommand.Create(),
            AggregationKeyCommand.Create(),
        };

    /// <summary>Parses and runs; a command-line error exits with <see cref="ExitCodes.InvalidConfiguration"/>.</summary>
    public static async Task<int> InvokeAsync(string[] args, TextWriter? output = null, TextWriter? error = null, TimeProvider? timeProvider = null)
    {
        var parseResult = CreateRootCommand(timeProvider).Parse(args);
        var configuration = new InvocationConfiguration
        {
            // Everything a command prints passes the terminal guard: job tickets carry a coordinator's names and an
            // evaluator's spec, errors carry the coordinator's words, and none may drive the operator's terminal.
            Output = TerminalText.Guard(output ?? Console.Out),
            Error = TerminalText.Guard(error ?? Console.Error),
            // The host of 'run' handles SIGTERM and Ctrl+C itself, so its shutdown (runs report "stopped", the
            // session is flushed) is never cut short by the parser's own termination timeout.
            ProcessTerminationTimeout = null,
        };
        if (parseResult.Errors.Count > 0)
        {
            foreach (var problem in parseResult.Errors)
            {
                await configuration.Error.WriteLineAsync(problem.Message).ConfigureAwait(false);
            }

            await configuration.Error.WriteLineAsync("Run with --help for usage.").ConfigureAwait(false);
            return ExitCodes.InvalidConfiguration;
        }

        try
        {
            return await parseResult.InvokeAsync(configuration).ConfigureAwait(false);
        }
        finally
        {
            await configuration.Output.FlushAsync().ConfigureAwait(false);
            await configuration.Error.FlushAsync().ConfigureAwait(false);
        }
    }
}
