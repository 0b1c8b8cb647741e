using Partages.Evaluation.Results;

namespace Partages.Cli.Commands;

/// <summary>
/// <c>results ID --format table|json|csv|markdown</c>: per-site and pooled results of a final evaluation. Exit 0 for a
/// completed evaluation; 1 when there is no pooled result, and for a cancelled one even when it is printed.
/// </summary>
internal static class ResultsCommand
{
    public static Command Create(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "The evaluation id." };
        var format = new Option<string>("--format", "-f")
        {
            Description = "table (default), json (the results document, docs/results-schema.md), csv (one value per row) or markdown.",
            DefaultValueFactory = _ => "table",
        };
        format.AcceptOnlyFromAmong("table", "json", "csv", "markdown");
        var command = new Command("results", "Prints per-site and pooled results, with the pooled confusion matrix.") { id, format };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(context, c => RunAsync(
            context, parse.GetRequiredValue(id).Trim(), parse.GetRequiredValue(format), c), ct));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, string id, string format, CancellationToken cancellationToken)
    {
        using var session = await Session.OpenAsync(context, cancellationToken).ConfigureAwait(false);
        var evaluation = await session.Client.GetAsync(id, cancellationToken).ConfigureAwait(false);
        // A final evaluation with no site pooled (cancelled before min_sites succeeded, quorum never reached) has a
        // document listing the missing sites but no result: scripts get exit 1 and the reason, not an empty table.
        if (string.IsNullOrEmpty(evaluation.PooledResultJson) || ResultJson.DeserializePooled(evaluation.PooledResultJson).Pooled is null)
        {
            throw new CliException(ExitCodes.Failed, Client.EvaluatorClient.IsFinal(evaluation.State)
                ? $"Evaluation {TerminalText.Escape(id)} is {RunStates.Name(evaluation.State)} without a pooled result{(evaluation.Reason.Length > 0 ? ": " + TerminalText.Escape(evaluation.Reason) : "")}."
                : $"Evaluation {TerminalText.Escape(id)} is still {RunStates.Name(evaluation.State)}; follow it with 'partages watch {TerminalText.Escape(id)}'.");
        }

        switch (format)
        {
            case "json":
                await context.Output.WriteLineAsync(ResultFormats.Json(evaluation)).ConfigureAwait(false);
                break;
            case "csv":
                await context.Output.WriteAsync(ResultFormats.Csv(evaluation)).ConfigureAwait(false);
                break;
            case "markdown":
                await context.Output.WriteAsync(ResultFormats.Markdown(evaluation)).ConfigureAwait(false);
                break;
            default:
                ResultsTable.Write(context.Console, evaluation);
                break;
        }

        if (evaluation.State == Contracts.V1.EvaluationState.Cancelled)
        {
            // Printed (at least min_sites succeeded before the cancel), but a script must not take it for a completed run.
            await context.Error.WriteLineAsync($"Evaluation {id} was cancelled{(evaluation.Reason.Length > 0 ? ": " + evaluation.Reason : "")}; exit {ExitCodes.Failed}.").ConfigureAwait(false);
            return ExitCodes.Failed;
        }

        return ExitCodes.Ok;
    }
}
