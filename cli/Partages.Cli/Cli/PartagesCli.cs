using Partages.Cli.Commands;

namespace Partages.Cli.Cli;

/// <summary>
/// <c>partages</c>: <c>login</c>, <c>models push</c>, <c>submit</c>, <c>watch</c>, <c>results</c>, <c>cancel</c>,
/// <c>nodes list</c>, <c>evaluations list</c>, <c>status</c>, <c>keys generate</c>. Exit codes in <see cref="ExitCodes"/>.
/// </summary>
public static class PartagesCli
{
    public static RootCommand CreateRootCommand(CliContext context) =>
        new("Partages evaluator CLI: submit models to the federation and read pooled results.")
        {
            LoginCommand.Create(context),
            ModelsCommand.Create(context),
            SubmitCommand.Create(context),
            WatchCommand.Create(context),
            StatusCommand.Create(context),
            ResultsCommand.Create(context),
            CancelCommand.Create(context),
            NodesCommand.Create(context),
            EvaluationsCommand.Create(context),
            KeysCommand.Create(context),
        };

    /// <summary>Parses and runs; a command-line error exits with <see cref="ExitCodes.BadInput"/>.</summary>
    public static async Task<int> InvokeAsync(string[] args, CliContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var parseResult = CreateRootCommand(context).Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            foreach (var problem in parseResult.Errors)
            {
                await context.Error.WriteLineAsync(problem.Message).ConfigureAwait(false);
            }

            await context.Error.WriteLineAsync("Run 'partages --help' for usage.").ConfigureAwait(false);
            return ExitCodes.BadInput;
        }

        var configuration = new InvocationConfiguration { Output = context.Output, Error = context.Error };
        return await parseResult.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
    }
}
