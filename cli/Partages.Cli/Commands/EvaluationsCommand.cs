namespace Partages.Cli.Commands;

/// <summary><c>evaluations list [--limit N | --all]</c>: your evaluations (every evaluation for an admin or a viewer), newest first.</summary>
internal static class EvaluationsCommand
{
    public static Command Create(CliContext context)
    {
        var limit = new Option<int>("--limit") { Description = "How many, newest first (read page by page from the coordinator).", DefaultValueFactory = _ => 20 };
        var all = new Option<bool>("--all") { Description = "Every evaluation you may see, however many (--limit is ignored)." };
        var list = new Command("list", "Lists evaluations, newest first.") { limit, all };
        list.SetAction((parse, ct) => CommandRunner.RunAsync(context, async c =>
        {
            var count = parse.GetValue(all) ? 0 : parse.GetValue(limit);
            if (!parse.GetValue(all) && count < 1)
            {
                throw new CliException(ExitCodes.BadInput, "--limit must be at least 1 (or use --all).");
            }

            using var session = await Session.OpenAsync(context, c).ConfigureAwait(false);
            var evaluations = await session.Client.ListAsync(count, cancellationToken: c).ConfigureAwait(false);
            var table = new Table().AddColumns("id", "name", "state", "owner", "created (UTC)", "sites done", "pooled");
            foreach (var evaluation in evaluations)
            {
                var final = evaluation.Runs.Count(r => Client.EvaluatorClient.IsFinal(r.State));
                table.AddRow(
                    TerminalMarkup.Escape(evaluation.Id),
                    TerminalMarkup.Escape(evaluation.Name),
                    evaluation.State switch
                    {
                        EvaluationState.Completed => "[green]completed[/]",
                        EvaluationState.Failed => "[red]failed[/]",
                        EvaluationState.Cancelled => "[yellow]cancelled[/]",
                        _ => RunStates.Name(evaluation.State),
                    },
                    TerminalMarkup.Escape(evaluation.Owner),
                    evaluation.CreatedAt.ToDateTimeOffset().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                    $"{final}/{evaluation.Runs.Count}",
                    evaluation.IncludedSites.Count.ToString(CultureInfo.InvariantCulture));
            }

            context.Console.Write(table);
            return ExitCodes.Ok;
        }, ct));
        return new Command("evaluations", "Evaluations you may see.") { list };
    }
}
