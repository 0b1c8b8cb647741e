namespace Partages.Cli.Commands;

/// <summary>
/// <c>status ID</c>: the evaluation's state now, one line per node with its run's state, how long it has waited
/// (queued for a busy node, offline, awaiting the hospital's approval) and why. Prints once, for scripts and for a look
/// without following; <c>watch</c> follows. Exit 0 whatever the state.
/// </summary>
internal static class StatusCommand
{
    public static Command Create(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "The evaluation id." };
        var command = new Command("status", "Prints the evaluation's state and each node's run once (with how long it has waited).") { id };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(context, async c =>
        {
            using var session = await Session.OpenAsync(context, c).ConfigureAwait(false);
            var evaluation = await session.Client.GetAsync(parse.GetRequiredValue(id).Trim(), c).ConfigureAwait(false);
            var now = DateTimeOffset.UtcNow;
            await context.Output.WriteLineAsync(
                $"Evaluation {TerminalText.Escape(evaluation.Id)} ({TerminalText.Escape(evaluation.Name)}): {RunStates.Name(evaluation.State)}{(evaluation.Reason.Length > 0 ? " — " + TerminalText.Escape(evaluation.Reason) : "")}").ConfigureAwait(false);
            foreach (var run in evaluation.Runs)
            {
                var progress = run.Total > 0 ? " " + RunStates.Count(run.Done, run.Total, run.ProgressUnit) : "";
                await context.Output.WriteLineAsync(
                    $"  {TerminalText.Escape(run.NodeName)}: {RunStates.NameWithWait(run, now)}{progress}{(run.Reason.Length > 0 ? " — " + TerminalText.Escape(run.Reason) : "")}").ConfigureAwait(false);
            }

            return ExitCodes.Ok;
        }, ct));
        return command;
    }
}
