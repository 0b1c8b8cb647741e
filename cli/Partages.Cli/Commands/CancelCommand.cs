namespace Partages.Cli.Commands;

/// <summary><c>cancel ID [--reason TEXT]</c>: the coordinator tells every node still running it to stop.</summary>
internal static class CancelCommand
{
    public static Command Create(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "The evaluation id." };
        var reason = new Option<string>("--reason") { Description = "Why (shown to the nodes and in the evaluation).", DefaultValueFactory = _ => "" };
        var command = new Command("cancel", "Cancels one of your evaluations (any evaluation, for an admin).") { id, reason };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(context, async c =>
        {
            using var session = await Session.OpenAsync(context, c).ConfigureAwait(false);
            var evaluation = await session.Client.CancelAsync(parse.GetRequiredValue(id).Trim(), parse.GetValue(reason) ?? "", c).ConfigureAwait(false);
            await context.Output.WriteLineAsync($"Evaluation {TerminalText.Escape(evaluation.Id)} is {RunStates.Name(evaluation.State)}: {TerminalText.Escape(evaluation.Reason)}").ConfigureAwait(false);
            return ExitCodes.Ok;
        }, ct));
        return command;
    }
}
